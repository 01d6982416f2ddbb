# customers: English texts
