"""Process helpers: the credentials Rasa is started with."""



def test_active_credentials_drop_channels_with_unset_variables(tmp_path):
    from app.process import active_credentials

    src = tmp_path / "credentials.yml"
    src.write_text("rest:\nconnectors.telegram.channel.TelegramInput:\n  access_token: ${TG_TOKEN}\n"
                   "  secret_token: ${TG_SECRET}\n")
    out = tmp_path / "var" / "active.yml"
    on, off = active_credentials(src, out, {"TG_TOKEN": "123:abc"})
    assert on == ["rest"] and off == {"connectors.telegram.channel.TelegramInput": ["TG_SECRET"]}
    on, _ = active_credentials(src, out, {"TG_TOKEN": "123:abc", "TG_SECRET": "s"})
    assert on == ["rest", "connectors.telegram.channel.TelegramInput"]
    written = out.read_text()
    assert "${TG_TOKEN}" in written and "123:abc" not in written


def test_rasas_http_api_is_off_without_a_token_and_needs_it_when_on(tmp_path):
    """Issue 17, item 2: `rasa run --enable-api` had no token."""
    import pytest

    from app.process import commands
    from bot.settings import SettingsError, load_settings

    plain = commands(load_settings({"TRACKER_DB": str(tmp_path / "t.db")}), "rasa")["rasa"]
    assert "--enable-api" not in plain and "--auth-token" not in plain
    token = "a" * 32
    on = commands(load_settings({"TRACKER_DB": str(tmp_path / "t.db"),
                                 "NAVIGATOR_RASA_API_TOKEN": token}), "rasa")["rasa"]
    assert on[on.index("--enable-api") + 1:on.index("--enable-api") + 3] == ["--auth-token", token]
    with pytest.raises(SettingsError, match="NAVIGATOR_RASA_API_TOKEN"):
        load_settings({"NAVIGATOR_RASA_API_TOKEN": "short"})
