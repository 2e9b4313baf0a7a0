"""POS integrations: a provider class per vendor turns its webhooks into our sale, payment and
refund commands; the inbox stores them and the POS service applies them."""
