# Attachments: files and images in conversations (workspace side; the widget has its own texts).
attachments-attach = Attach
attachments-remove = Remove
attachments-open-full = Open {$name} full size
