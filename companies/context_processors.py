from .selectors import company_list_for_user


def active_company(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    company = request.company or None
    return {
        "active_company": company,
        "my_companies": company_list_for_user(user) if company is not None else [],
        "perms_in_company": request.company_perms,
    }
