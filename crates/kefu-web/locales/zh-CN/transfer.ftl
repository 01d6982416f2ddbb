# transfer: 中文文本
