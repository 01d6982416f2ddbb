# customers: 中文文本
