"""The demo scenario: two years of seeded department files."""
