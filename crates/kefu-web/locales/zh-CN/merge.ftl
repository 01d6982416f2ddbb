# merge: 中文文本
