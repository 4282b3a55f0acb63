"""Feedback from talents: votes on the assistant's answers and ratings of resolved tickets."""
