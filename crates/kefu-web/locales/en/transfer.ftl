# transfer: importing and exporting customer lists (English)
transfer-import-title = Import customers
transfer-export-title = Export customers
transfer-export-hint-contact = Contacts that match the list's filters, with the columns you choose.
transfer-export-hint-organisation = Organisations that match the list's filters, with the columns you choose.
transfer-export-filtered = { $count ->
    [one] 1 filter applies
   *[other] { $count } filters apply
}
transfer-export-columns = Columns
transfer-format = Format
transfer-export-download = Download
transfer-upload-hint = An Excel (.xlsx) or CSV file (UTF-8 or GB18030) of at most 64 MiB whose first row holds the column names. Rows whose phone, email or company is already known update that customer instead of adding another.
transfer-entity = What the file holds
transfer-entity-contact = Contacts
transfer-entity-organisation = Organisations
transfer-file = File
transfer-upload = Upload and choose columns
transfer-upload-failed = The file could not be received.
transfer-no-file = Choose a file to import.
transfer-rows = { $count ->
    [one] 1 row
   *[other] { $count } rows
}
transfer-use-mapping = Use a saved mapping
transfer-apply = Apply
transfer-column = Column in the file
transfer-field = Field in kefu
transfer-ignore = (ignore)
transfer-preview = Preview of the first rows
transfer-line = Line
transfer-status = Result
transfer-status-create = New
transfer-status-update = Updates an existing record
transfer-preview-again = Check again
transfer-save-mapping-as = Save this mapping as
transfer-save-mapping = Save mapping
transfer-mapping-saved = The mapping was saved.
transfer-start = { $count ->
    [one] Import 1 row
   *[other] Import { $count } rows
}
transfer-run-pending = Waiting for the columns to be chosen
transfer-run-running = Importing…
transfer-run-done = Import finished
transfer-run-failed = Import stopped
transfer-run-error = The import stopped because of an error on our side; the rows counted so far were written. Try again.
transfer-created = Created
transfer-updated = Updated
transfer-unchanged = Already up to date
transfer-failed = Bad rows
transfer-bad-rows = Download the bad rows with their reasons, fix them and import the file again:
transfer-import-another = Import another file
transfer-reason-duplicate_in_file = The same phone, email or name is on an earlier line of this file
transfer-reason-identity_conflict = Its phones, emails or handles belong to different customers; merge them first
transfer-reason-no_identity = The row has no phone, email or messaging id
transfer-reason-unknown_owner = No user has this owner email
transfer-reason-unknown_choice = The value is not in the list
transfer-reason-invalid_custom_value = A custom field's value does not fit the field
transfer-field-id = ID
transfer-field-name = Name
transfer-field-title = Job title
transfer-field-organisation = Company
transfer-field-phones = Phones
transfer-field-emails = Emails
transfer-field-wechat = WeChat
transfer-field-qq = QQ
transfer-field-whatsapp = WhatsApp
transfer-field-skype = Skype
transfer-field-line = LINE
transfer-field-telegram = Telegram
transfer-field-facebook = Facebook
transfer-field-other = Other handle
transfer-field-language = Language
transfer-field-country = Country
transfer-field-time_zone = Time zone
transfer-field-tags = Tags
transfer-field-owner_email = Owner (email)
transfer-field-consent_call = May be called
transfer-field-consent_message = May be messaged
transfer-field-consent_email = May be emailed
transfer-field-registration_no = Registration number
transfer-field-tax_no = Tax number
transfer-field-address = Address
transfer-field-products = Main products
transfer-field-member_level = Member level
transfer-field-source_channel = Source
transfer-field-notes = Notes
transfer-field-created_at = Created
transfer-field-updated_at = Updated
error-duplicate_mapping = A mapping with this name already exists; choose another name.
error-name_not_mapped = Choose the column that holds the name.
error-unknown_column = That column does not exist.
error-import_started = This import has already been started.
