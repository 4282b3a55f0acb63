"""The bottom layer, importing none of the others: configuration, the database and its migrations, the clock,
the vocabulary (topics, tiers, districts and their labels), the contract's payload types and sender ids,
text normalisation and spelling, details in text, signed button payloads and message templating."""
