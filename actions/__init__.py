"""Custom actions of the Rasa assistant (rasa-sdk action server): thin glue to policies_kb and tickets."""
