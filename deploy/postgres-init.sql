CREATE DATABASE banksim OWNER bankint;
