"""Channel state that is not Rasa's: contacts, delivery ids, menus, message rate, SMS text rules."""
