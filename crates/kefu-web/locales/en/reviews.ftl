# Reviews (评价) and their call-backs (中差评回访).
nav-reviews = Reviews
review-stars = { $count ->
    [one] 1 star
   *[other] { $count } stars
}
review-class = Class
review-class-good = Good
review-class-medium = Medium
review-class-bad = Bad
review-image = Picture { $n }
review-images = { $count ->
    [one] 1 picture
   *[other] { $count } pictures
}
review-customer = The customer's page
review-callback = Call-back
review-callback-none = A good review needs no call-back.
review-callback-hint = Call the buyer, ask patiently why they were unhappy, then record the reason, how it ended and the reply you posted under the review.
review-callback-open = Call-back still to make
review-callback-record = Record the call-back
review-reason = Reason
review-outcome = Outcome
review-reply = Reply posted under the review
review-reply-hint = The reply as it appears on the marketplace
review-note = Note
review-status = Status
review-store = Store
review-any = Any
review-rating = Stars
review-filter = Filter
review-week = This week ({ $week })
review-called-back = { $count ->
    [one] 1 call-back recorded
   *[other] { $count } call-backs recorded
}
review-time = Reviewed
review-order = Order
review-text = Review
review-none = No reviews match.
review-more = More reviews
task-kind-review_callback = Review call-back
error-callback_needs_reason = Record this call-back on its review, with the reason, the outcome and the reply posted.
error-no_callback = This review was good: it has no call-back.
error-callback_closed = This call-back is already recorded or cancelled.
error-order_not_delivered = The order is not delivered yet; a review may be requested only after delivery.
error-review_already_requested = A review was already requested for this order; one request per order.
error-invalid_rating = A rating is 1 to 5 stars.
error-invalid_thresholds = Bad reviews must have fewer stars than good ones.
error-invalid_week = Write the week as 2026-W48.
error-invalid_image_url = Each picture is a web address (http or https).
error-too_many_images = A review keeps at most 20 pictures.
error-order_not_found = The store has no order with this number; send the order first.
transfer-entity-review = Reviews (one row per review of a known order)
transfer-field-source_id = Review ID
transfer-field-rating = Rating (1–5, or 好评/中评/差评)
transfer-field-text = Review text
transfer-field-images = Pictures
transfer-field-reviewed_at = Reviewed at
