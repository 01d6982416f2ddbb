# merge: English texts
