"""v1.1 XML responses (`format="xml"`), against the real server: the same model as the JSON answer,
one-item lists, envelopes, and hostile XML (XXE, entity expansion, external DTD) refused unexpanded."""

from __future__ import annotations

import time
from typing import Any

import pytest
from capillary import errors
from capillary._xml import XMLBodyError, fit, parse_xml
from capillary.v1_1 import models as v11
from test_runtime_faults import run

from live_server import LiveServer, Reply, Seen

DRIVERS = pytest.mark.parametrize("driver", ["sync", "async"])
MOBILE = "919800000001"


def customer_json(n: int, coupons: int) -> dict[str, Any]:
    """A customer as JSON; without coupons, the key is absent (as the XML has no element)."""
    customer = {
        "mobile": f"91980000000{n}",
        "firstname": "Asha",
        "user_id": 4240 + n,
        "loyalty_points": 120,
        "lifetime_points": 1200.5,
        "registered_store": {"code": "north", "name": "North store"},
        "extended_fields": {"field": [{"name": "gender", "value": "Female"}, {"name": "city", "value": "Pune"}]},
        "coupons": [{"id": 70 + c, "code": f"CODE{c}", "redeemed": "false"} for c in range(coupons)],
        "item_status": {"success": "true", "code": 1000, "message": "Customer fetched"},
    }
    if not coupons:
        del customer["coupons"]
    return customer


def customer_xml(n: int, coupons: int) -> str:
    coupon_xml = "".join(
        f"<coupons><id>{70 + c}</id><code>CODE{c}</code><redeemed>false</redeemed></coupons>" for c in range(coupons)
    )
    return (
        f"<customer><mobile>91980000000{n}</mobile><firstname>Asha</firstname><user_id>{4240 + n}</user_id>"
        "<loyalty_points>120</loyalty_points><lifetime_points>1200.5</lifetime_points>"
        '<registered_store code="north"><name>North store</name></registered_store>'
        "<extended_fields><field><name>gender</name><value>Female</value></field>"
        "<field><name>city</name><value>Pune</value></field></extended_fields>"
        f"{coupon_xml}"
        "<item_status><success>true</success><code>1000</code><message>Customer fetched</message></item_status>"
        "</customer>"
    )


def answers(count: int, coupons: int) -> tuple[dict[str, Any], bytes]:
    """The JSON and the XML answer of a customer get for `count` customers."""
    customers = [customer_json(n, coupons) for n in range(1, count + 1)]
    as_json = {
        "response": {
            "status": {"success": "true", "code": 200, "message": "Success"},
            "customers": {"customer": customers[0] if count == 1 else customers},
        }
    }
    as_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n'
        "  <status><success>true</success><code>200</code><message>Success</message></status>\n"
        f"  <customers>{''.join(customer_xml(n, coupons) for n in range(1, count + 1))}</customers>\n"
        "</response>\n"
    )
    return as_json, as_xml.encode()


def by_format(as_json: Any, as_xml: bytes, xml_type: str = "application/xml"):  # noqa: ANN201
    def script(seen: Seen) -> Reply:
        if "format=xml" in seen.target:
            return Reply(200, as_xml, xml_type)
        return Reply(200, as_json)

    return script


def get(**extra: Any):  # noqa: ANN201
    return lambda client: client.v1_1.customers.get(mobile=MOBILE, **extra)


@DRIVERS
@pytest.mark.parametrize(("count", "coupons"), [(1, 1), (1, 2), (2, 1), (3, 0)])
def test_xml_answer_gives_the_same_model_as_json(server: LiveServer, driver: str, count: int, coupons: int) -> None:
    as_json, as_xml = answers(count, coupons)
    server.script = by_format(as_json, as_xml)
    from_json = run(driver, server, get())
    from_xml = run(driver, server, get(format="xml"))

    targets = [seen.target for seen in server.requests()]
    assert "format=json" in targets[0] and "format=xml" in targets[1]
    assert isinstance(from_xml, v11.V1GetCustomerResponse)
    assert from_xml.model_dump() == from_json.model_dump()
    customers = from_xml.response.customers.customer
    first = customers if count == 1 else customers[0]
    assert first.user_id == 4241 and first.loyalty_points == 120 and first.lifetime_points == 1200.5
    assert [c.id for c in first.coupons or []] == [70 + c for c in range(coupons)]  # one coupon: still a list
    assert first.extended_fields.field[1].value == "Pune"
    assert first.registered_store.code == "north"  # an attribute
    assert from_xml.response_meta.envelope.success is True
    assert from_xml.request_id == server.requests()[1].request_id


@DRIVERS
@pytest.mark.parametrize("content_type", ["text/xml; charset=utf-8", "application/xml", "text/plain", ""])
def test_xml_is_recognised_by_content_type_or_by_the_format_asked(
    server: LiveServer, driver: str, content_type: str
) -> None:
    as_json, as_xml = answers(1, 1)
    server.script = by_format(as_json, as_xml, content_type)
    assert run(driver, server, get(format="xml")).model_dump() == run(driver, server, get()).model_dump()


@DRIVERS
def test_xml_content_type_is_read_as_xml_even_when_json_was_asked(server: LiveServer, driver: str) -> None:
    as_json, as_xml = answers(2, 1)
    server.answer(Reply(200, as_xml, "text/xml"))
    result = run(driver, server, get())
    assert [c.user_id for c in result.response.customers.customer] == [4241, 4242]


ENVELOPE_FAILURE = (
    "<response><status><success>false</success><code>500</code><message>Failed</message></status>"
    "<customers><customer><mobile>919800000001</mobile><item_status><success>false</success>"
    "<code>1012</code><message>Customer not found</message></item_status></customer></customers></response>"
)


@DRIVERS
def test_xml_envelope_failure_is_a_v11_envelope_error(server: LiveServer, driver: str) -> None:
    server.answer(Reply(200, ENVELOPE_FAILURE.encode(), "application/xml"))
    with pytest.raises(errors.V11EnvelopeError) as caught:
        run(driver, server, get(format="xml"))
    assert (caught.value.code, caught.value.message, caught.value.attempts) == (1012, "Customer not found", 1)
    assert caught.value.request_id == server.requests()[0].request_id


@DRIVERS
def test_xml_error_status_is_read_for_its_code(server: LiveServer, driver: str) -> None:
    server.answer(Reply(400, ENVELOPE_FAILURE.encode(), "application/xml"))
    with pytest.raises(errors.BadRequestError) as caught:
        run(driver, server, get(format="xml"))
    assert (caught.value.code, caught.value.body["response"]["status"]["code"]) == (1012, "500")


@DRIVERS
def test_xml_partial_batch_is_a_result(server: LiveServer, driver: str) -> None:
    body = (
        "<response><status><success>false</success><code>201</code><message>Some failed</message>"
        "<total>2</total><success_count>1</success_count></status><customers>"
        "<customer><mobile>919800000001</mobile><item_status><success>true</success><code>1000</code>"
        "<message>Added</message></item_status></customer>"
        "<customer><mobile>919800000002</mobile><item_status><success>false</success><code>1006</code>"
        "<message>Mobile number is required</message></item_status></customer></customers></response>"
    )
    server.answer(Reply(200, body.encode(), "application/xml"))
    result = run(
        driver, server, lambda c: c.v1_1.customers.add(format="xml", body={"root": {"customer": [{"mobile": MOBILE}]}})
    )
    envelope = result.response_meta.envelope
    assert envelope.partial and [i.code for i in envelope.failed_items] == [1006]
    assert [c.item_status.code for c in result.response.customers.customer] == [1000, 1006]


# --- hostile XML ------------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<response><status><success>true</success><code>200</code><message>&xxe;</message></status></response>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<response><status><success>true</success><code>200</code><message>&lol9;</message></status></response>"""


def external_dtd(url: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE response SYSTEM "{url}/evil.dtd">\n'
        "<response><status><success>true</success><code>200</code><message>x</message></status></response>"
    ).encode()


def parameter_entity(url: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE response [<!ENTITY % ext SYSTEM "{url}/evil.dtd"> %ext;]>\n'
        "<response><status><success>true</success><code>200</code><message>x</message></status></response>"
    ).encode()


HOSTILE = {
    "xxe": lambda url: XXE,
    "billion laughs": lambda url: BILLION_LAUGHS,
    "external dtd": external_dtd,
    "parameter entity": parameter_entity,
}


@DRIVERS
@pytest.mark.parametrize("payload", list(HOSTILE))
@pytest.mark.parametrize("content_type", ["application/xml", "text/plain"])
def test_hostile_xml_is_refused_unexpanded(server: LiveServer, driver: str, payload: str, content_type: str) -> None:
    body = HOSTILE[payload](server.url)
    server.answer(Reply(200, body, content_type))
    started = time.perf_counter()
    with pytest.raises(errors.APIResponseValidationError) as caught:
        run(driver, server, get(format="xml"))
    assert time.perf_counter() - started < 1.0
    error = caught.value
    assert type(error) is errors.APIResponseValidationError
    assert "the XML body declares a DTD or entities, which are refused" in error.message
    assert "root:" not in str(error) and "lol" not in str(error)
    assert error.__cause__ is None and error.__suppress_context__
    assert error.request_id == server.requests()[0].request_id and error.attempts == 1
    assert [seen.path for seen in server.requests()] == ["/v1.1/customer/get"]  # no DTD was fetched


@DRIVERS
@pytest.mark.parametrize("status", [400, 500])
def test_hostile_xml_in_an_error_body_is_kept_as_text(server: LiveServer, driver: str, status: int) -> None:
    server.answer(Reply(status, BILLION_LAUGHS, "application/xml"))
    with pytest.raises(errors.APIStatusError) as caught:
        run(driver, server, get(format="xml"), max_retries=0)
    assert caught.value.status_code == status and caught.value.code is None
    assert caught.value.body == BILLION_LAUGHS.decode()


@DRIVERS
def test_malformed_xml_is_refused(server: LiveServer, driver: str) -> None:
    server.answer(Reply(200, b"<response><status><success>true</success>", "application/xml"))
    with pytest.raises(errors.APIResponseValidationError, match="not well-formed XML"):
        run(driver, server, get(format="xml"))


# --- the conversion itself ------------------------------------------------------------------


def test_parse_xml_shape() -> None:
    data = parse_xml(
        b'<response><a x="1">t</a><b>one</b><b>two</b><c/><d><e>1</e></d><ns:f xmlns:ns="urn:x">g</ns:f></response>'
    )
    assert data == {
        "response": {"a": {"x": "1", "#text": "t"}, "b": ["one", "two"], "c": "", "d": {"e": "1"}, "f": "g"}
    }


@pytest.mark.parametrize("payload", list(HOSTILE))
def test_parse_xml_refuses_hostile_payloads(payload: str) -> None:
    with pytest.raises(XMLBodyError, match="refused"):
        parse_xml(HOSTILE[payload]("http://127.0.0.1:9"))


def test_fit_wraps_single_items_only_where_the_model_declares_a_list() -> None:
    coupon = {"id": "7", "code": "X"}
    fitted = fit(
        {"coupons": coupon, "user_id": "42", "mobile": "0042", "lifetime_points": "1.5"}, v11.V1CustomerDetails
    )
    assert fitted == {"coupons": [{"id": 7, "code": "X"}], "user_id": 42, "mobile": "0042", "lifetime_points": 1.5}
    # A field that accepts one object or a list keeps what the XML gave.
    assert fit({"field": {"name": "a"}}, v11.V1FieldList) == {"field": {"name": "a"}}
    assert fit({"field": [{"name": "a"}, {"name": "b"}]}, v11.V1FieldList)["field"][1] == {"name": "b"}
    # Non-canonical numbers stay text; empty elements of object fields become None.
    assert fit({"user_id": "007", "registered_store": ""}, v11.V1CustomerDetails) == {
        "user_id": "007",
        "registered_store": None,
    }
