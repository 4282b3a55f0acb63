"""Policy knowledge base: versioned, eligibility-aware articles and the answers built from them."""
