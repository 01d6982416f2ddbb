# Outreach to abandoned carts and silent inquirers (加购未付款、咨询未下单).
task-kind-outreach = Cart and inquiry outreach
task-status-converted = converted (the buyer ordered)
error-no_buyer = Name the buyer by phone, email or marketplace handle, so they can be reached.
error-invalid_item = Every item has a name; quantities are 1 to 1,000,000 and prices zero or more.
error-duplicate_outreach = This cart or inquiry arrived twice at once; send it again.
