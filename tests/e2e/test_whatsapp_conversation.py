"""End to end over WhatsApp: `navigator serve` with the WhatsApp channel on (the SMS channel's
Twilio account), Twilio's webhooks signed as Twilio signs them, replies sent to a fake Twilio
REST API: a forged request, a search that takes a shared location as the place, a crisis."""
from __future__ import annotations

import pytest

from tests.connectors.fake_twilio import FakeTwilioServer, inbound, new_sid
from tests.e2e.conftest import start_servers
from tests.e2e.test_sms_conversation import PUBLIC, Phone, _env
from tests.rasa.conftest import trained_model  # noqa: F401 - fixture

pytestmark = [pytest.mark.rasa, pytest.mark.e2e]
NUMBER = "whatsapp:+14155238886"
USER = "whatsapp:+447700900654"
PATH = "/webhooks/whatsapp/webhook"


class WhatsApp(Phone):
    """A young person's WhatsApp: the SMS test phone on the WhatsApp webhook."""

    def post(self, params: dict, sign_url: str = PUBLIC + PATH) -> int:
        params = {**params, "To": NUMBER}
        return super().post(params, sign_url, path=PATH)

    def share_location(self, lat: float, lon: float) -> list:
        return self.text("", Latitude=str(lat), Longitude=str(lon), Address="", Label="")


@pytest.fixture(scope="module")
def twilio():
    fake = FakeTwilioServer()
    yield fake
    fake.close()


def test_a_whatsapp_conversation_with_a_shared_location_and_a_crisis(
        tmp_path, trained_model, twilio):  # noqa: F811 - pytest fixture injection
    servers = start_servers(tmp_path, trained_model, [["setup"]],
                            {**_env(twilio), "TWILIO_WHATSAPP_NUMBER": NUMBER})
    server = next(servers)
    phone = WhatsApp(server, twilio, number=USER)
    try:
        forged = inbound(From=USER, Body="hi", MessageSid=new_sid())
        assert phone.post(forged, sign_url="http://127.0.0.1" + PATH) == 403

        greet = phone.text("hi")
        assert len(greet) >= 2  # the notice and the greeting: one WhatsApp message each
        assert "Reply:\n1 Somewhere to stay\n2 Food" in "\n".join(greet)
        assert "Where are you?" in "\n".join(phone.text("i need food"))
        asked_age = "\n".join(phone.share_location(53.8008, -1.5491))  # Leeds
        assert "How old are you?" in asked_age
        results = "\n".join(phone.text("19"))
        assert "food help near your location" in results and ", Leeds" in results

        crisis = "\n".join(phone.text("i want to kill myself"))
        assert "999" in crisis and "Samaritans" in crisis
        assert all(not b.startswith("whatsapp:") for b in twilio.bodies(USER))
    finally:
        servers.close()
