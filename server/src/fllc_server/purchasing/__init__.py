"""Purchase orders to suppliers: drafting, submitting, receiving against lines, reorder suggestions."""
