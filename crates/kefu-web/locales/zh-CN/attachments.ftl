# 附件：会话中的文件与图片（工作台；访客小窗的文字在 widget.js 中）。
attachments-attach = 附件
attachments-remove = 移除
attachments-open-full = 查看原图：{$name}
