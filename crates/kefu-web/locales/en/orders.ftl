orders-panel-title = Orders
orders-panel-empty = No orders from this customer yet.
order-ref-order = Order { $number }
order-ref-tracking = Parcel { $number }
order-open-changes = { $count ->
    [one] 1 change for packing
   *[other] { $count } changes for packing
}
order-seller-remark = Seller's note
order-buyer-remark = Buyer's note
order-payment-unpaid = Unpaid
order-payment-partially_paid = Partly paid
order-payment-paid = Paid
order-payment-partially_refunded = Partly refunded
order-payment-refunded = Refunded
order-fulfilment-unshipped = Not shipped
order-fulfilment-partially_shipped = Partly shipped
order-fulfilment-shipped = Shipped
order-fulfilment-delivered = Delivered
order-fulfilment-cancelled = Cancelled
order-fulfilment-returned = Returned
order-flag-red = Red flag
order-flag-yellow = Yellow flag
order-flag-green = Green flag
order-flag-blue = Blue flag
order-flag-purple = Purple flag
