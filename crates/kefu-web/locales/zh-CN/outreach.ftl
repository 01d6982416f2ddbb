# 加购未付款、咨询未下单的挽回。
task-kind-outreach = 加购/咨询挽回
task-status-converted = 已转化（买家已下单）
error-no_buyer = 请提供买家的手机、邮箱或平台账号，以便联系。
error-invalid_item = 每件商品都要有名称；数量为 1 到 1,000,000，价格不能为负。
error-duplicate_outreach = 该加购或咨询同时到达了两次，请重新发送。
