# transfer: English texts
