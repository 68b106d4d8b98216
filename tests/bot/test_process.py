"""Process helpers: the credentials Rasa is started with."""



def test_active_credentials_drop_channels_with_unset_variables(tmp_path):
    from bot.process import active_credentials

    src = tmp_path / "credentials.yml"
    src.write_text("rest:\nconnectors.telegram.TelegramInput:\n  access_token: ${TG_TOKEN}\n"
                   "  secret_token: ${TG_SECRET}\n")
    out = tmp_path / "var" / "active.yml"
    on, off = active_credentials(src, out, {"TG_TOKEN": "123:abc"})
    assert on == ["rest"] and off == {"connectors.telegram.TelegramInput": ["TG_SECRET"]}
    on, _ = active_credentials(src, out, {"TG_TOKEN": "123:abc", "TG_SECRET": "s"})
    assert on == ["rest", "connectors.telegram.TelegramInput"]
    written = out.read_text()
    assert "${TG_TOKEN}" in written and "123:abc" not in written
