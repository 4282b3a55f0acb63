"""The Rasa assistant's one custom action (rasa-sdk action server): thin glue from a tracker to dialogue/,
policies_kb/ and tickets/, and back to messages."""
