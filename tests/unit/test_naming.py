"""Spec names -> Python names."""

from __future__ import annotations

import keyword

import pytest

from generator import naming


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("firstName", "first_name"),
        ("Favorite Color", "favorite_color"),
        ("user-id", "user_id"),
        ("userID", "user_id"),
        ("HTTPStatus", "http_status"),
        ("external_id", "external_id"),
        ("item.status", "item_status"),
        ("  spaced  out ", "spaced_out"),
    ],
)
def test_snake_case(wire: str, expected: str) -> None:
    assert naming.snake_case(wire) == expected


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("class", "class_"),
        ("from", "from_"),
        ("match", "match_"),
        ("1stVisit", "field_1st_visit"),
        ("json", "json_"),
        ("model_type", "model_type_"),
        ("request_id", "request_id_"),
        ("list", "list_"),
        ("_private", "private"),
        ("straße", "straße"),
        ("Größe", "große"),
    ],
)
def test_attribute_names_are_safe(wire: str, expected: str) -> None:
    name = naming.attribute_name(wire)
    assert name == expected
    assert name.isidentifier() and not keyword.iskeyword(name)


def test_argument_names_avoid_the_method_own_arguments() -> None:
    assert naming.argument_name("body") == "body_"
    assert naming.argument_name("request_options") == "request_options_"
    assert naming.argument_name("identifierName") == "identifier_name"
    assert naming.argument_name("2fa") == "param_2fa"


@pytest.mark.parametrize(
    ("operation_id", "resource", "expected"),
    [
        ("registerCustomer", "customers", "register"),
        ("getCustomerSubscriptions", "customers", "get_subscriptions"),
        ("searchCustomers", "customers", "search"),
        ("addTransactions", "transactions", "add"),
        ("generateToken", "oauth", "generate_token"),
        ("getCategories", "categories", "get"),
        ("customer", "customers", "customer"),
    ],
)
def test_method_names_drop_the_resource_words(operation_id: str, resource: str, expected: str) -> None:
    assert naming.method_name(operation_id, resource) == expected


def test_class_and_enum_member_names() -> None:
    assert naming.class_name("customer_lookup") == "CustomerLookup"
    assert naming.class_name("Exception") == "ExceptionModel"
    assert naming.class_name("2fa-config") == "Model2faConfig"
    assert naming.enum_member_name("in-store") == "IN_STORE"
    assert naming.enum_member_name("") == "EMPTY"
    assert naming.enum_member_name("2x") == "VALUE_2X"
    assert naming.enum_member_name("mobilePush") == "MOBILE_PUSH"
    assert naming.enum_member_name("+") == "VALUE_2B"
    assert naming.module_name("v1.1") == "v1_1"
