from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bankint.todos import todos_for
from companies.permissions import company_view

from .selectors import notification_list_for_user, notification_unread_count
from .services import notification_mark_all_read, notification_mark_read


@company_view()
def home(request):
    """The front page: what waits for this user in the company, then the latest news."""
    recent = notification_list_for_user(request.user, request.company)[:5]
    todos = todos_for(request.user, request.company, request.company_perms)
    return render(request, "notifications/home.html", {"recent_notifications": recent, "todos": todos})


@company_view()
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    qs = notification_list_for_user(request.user, request.company, unread=True if unread_only else None)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "unread_only": unread_only})


@require_POST
@company_view()
def notification_read(request, pk: int):
    notification = get_object_or_404(notification_list_for_user(request.user, request.company), pk=pk)
    notification_mark_read(notification, request.user)
    if request.htmx:
        notification.is_read = True
        response = render(request, "notifications/_row.html", {"n": notification})
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect("notifications:list")


@require_POST
@company_view()
def notification_read_all(request):
    notification_mark_all_read(notification_list_for_user(request.user, request.company), request.user)
    return redirect("notifications:list")


@company_view()
def notification_bell(request):
    """The bell, re-rendered by HTMX when notifications change or every minute."""
    count = notification_unread_count(request.user, request.company)
    return render(request, "notifications/_bell.html", {"unread_notifications": count})
