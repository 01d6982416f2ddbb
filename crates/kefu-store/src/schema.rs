//! Table and column names, shared by migrations and queries.

use sea_query::Iden;

#[derive(Iden, Clone, Copy)]
pub enum KefuMigrations {
    Table,
    Version,
    Name,
    AppliedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Users {
    Table,
    Id,
    Email,
    Name,
    Role,
    PasswordHash,
    Locale,
    Availability,
    Disabled,
    CreatedAt,
    Department,
}

#[derive(Iden, Clone, Copy)]
pub enum Teams {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum TeamMembers {
    Table,
    TeamId,
    UserId,
}

#[derive(Iden, Clone, Copy)]
pub enum Inboxes {
    Table,
    Id,
    Name,
    Channel,
    WidgetToken,
    Greeting,
    AutoReply,
    TeamId,
    CreatedAt,
    ShopName,
    CalendarId,
    MaxAttachmentBytes,
}

#[derive(Iden, Clone, Copy)]
pub enum Contacts {
    Table,
    Id,
    Name,
    Email,
    Phone,
    Language,
    Country,
    TimeZone,
    CreatedAt,
    UpdatedAt,
    Title,
    OrganisationId,
    OwnerId,
    Tags,
    Custom,
    ConsentCall,
    ConsentMessage,
    ConsentEmail,
    SearchTokens,
    MergedInto,
    ErasedAt,
    MemberLevel,
    SourceChannel,
}

#[derive(Iden, Clone, Copy)]
pub enum ContactIdentities {
    Table,
    Id,
    ContactId,
    Kind,
    Value,
    Label,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Organisations {
    Table,
    Id,
    Name,
    NameKey,
    RegistrationNo,
    TaxNo,
    Address,
    Country,
    Products,
    MemberLevel,
    SourceChannel,
    OwnerId,
    Tags,
    Notes,
    Custom,
    SearchTokens,
    MergedInto,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum EntityTags {
    Table,
    Entity,
    EntityId,
    Tag,
}

#[derive(Iden, Clone, Copy)]
pub enum ArchiveChoices {
    Table,
    Id,
    Kind,
    Key,
    LabelEn,
    LabelZh,
    Position,
}

#[derive(Iden, Clone, Copy)]
pub enum CustomFields {
    Table,
    Id,
    Entity,
    Key,
    LabelEn,
    LabelZh,
    Kind,
    Options,
    Position,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Conversations {
    Table,
    Id,
    InboxId,
    ContactId,
    Status,
    Priority,
    AssigneeId,
    TeamId,
    SnoozedUntil,
    AutoReplied,
    LastMessagePreview,
    LastMessageAt,
    LastActivityAt,
    MessagesCount,
    UnreadCount,
    CreatedAt,
    UpdatedAt,
    Subject,
    TicketType,
    Category,
    ReasonCode,
    MergedInto,
    HeldByUserId,
    HeldByDepartment,
    HeldByRole,
    HeldSince,
    HandoffTaskId,
    Labels,
    QueuedAt,
    RequiredSkills,
    DetectedLanguage,
}

#[derive(Iden, Clone, Copy)]
pub enum Messages {
    Table,
    Id,
    ConversationId,
    Kind,
    Body,
    AuthorUserId,
    AuthorContactId,
    ClientId,
    CreatedAt,
    SearchTokens,
}

/// Search tokens of ticket subjects, keyed by conversation id (migration 15).
#[derive(Iden, Clone, Copy)]
pub enum ConversationSubjects {
    Table,
    Id,
    SearchTokens,
}

#[derive(Iden, Clone, Copy)]
pub enum Events {
    Table,
    Id,
    Kind,
    ConversationId,
    InboxId,
    Private,
    Payload,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Jobs {
    Table,
    Id,
    Kind,
    DedupeKey,
    Payload,
    RunAt,
    Attempts,
    LockedUntil,
    LastError,
    Parked,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Sessions {
    Table,
    Id,
    UserId,
    CsrfToken,
    ExpiresAt,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    LastUsedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum LoginFailures {
    Table,
    Key,
    Failures,
    FirstAt,
    LockedUntil,
}

#[derive(Iden, Clone, Copy)]
pub enum AuditLog {
    Table,
    Id,
    ActorUserId,
    Action,
    Subject,
    Detail,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum TimelineEntries {
    Table,
    Id,
    ContactId,
    OrganisationId,
    Kind,
    RefId,
    ActorUserId,
    Summary,
    Detail,
    OccurredAt,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum DuplicateKeys {
    Table,
    Entity,
    EntityId,
    Kind,
    Key,
    Shared,
}

#[derive(Iden, Clone, Copy)]
pub enum DuplicateDismissals {
    Table,
    Entity,
    FirstId,
    SecondId,
    DismissedBy,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ImportMappings {
    Table,
    Id,
    Entity,
    Name,
    Mapping,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Imports {
    Table,
    Id,
    Entity,
    FileName,
    Status,
    Total,
    Processed,
    Created,
    Updated,
    Unchanged,
    Failed,
    Headers,
    Mapping,
    Error,
    CreatedBy,
    CreatedAt,
    FinishedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ImportErrors {
    Table,
    Id,
    ImportId,
    Line,
    Code,
    Reason,
    Cells,
}

#[derive(Iden, Clone, Copy)]
pub enum ImportFiles {
    Table,
    ImportId,
    Bytes,
}

#[derive(Iden, Clone, Copy)]
pub enum ConversationLinks {
    Table,
    ConversationId,
    LinkedId,
    Kind,
    CreatedBy,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Tasks {
    Table,
    Id,
    Kind,
    Title,
    Note,
    ConversationId,
    ContactId,
    AssigneeId,
    Department,
    ToRole,
    DueAt,
    Status,
    Overdue,
    Result,
    CreatedBy,
    DoneBy,
    CreatedAt,
    UpdatedAt,
    DoneAt,
    TeamId,
}

#[derive(Iden, Clone, Copy)]
pub enum Complaints {
    Table,
    ConversationId,
    Accepted,
    AcceptedBy,
    AcceptedAt,
    Decision,
    Resolution,
    Status,
    FollowUpTaskId,
    ClosedBy,
    ClosedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ComplaintEvidence {
    Table,
    Id,
    ConversationId,
    MessageId,
    Note,
    AddedBy,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AutomationRules {
    Table,
    Id,
    Name,
    Position,
    Enabled,
    Trigger,
    Conditions,
    Actions,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AutomationCursor {
    Table,
    Id,
    LastEventId,
}

#[derive(Iden, Clone, Copy)]
pub enum Macros {
    Table,
    Id,
    Name,
    OwnerId,
    Actions,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum BusinessCalendars {
    Table,
    Id,
    Name,
    TimeZone,
    WeeklyHours,
    Holidays,
    Workdays,
    IsDefault,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum SlaPolicies {
    Table,
    Id,
    Name,
    Position,
    Enabled,
    TicketTypes,
    Priorities,
    Channels,
    TeamIds,
    CustomerLevels,
    CalendarId,
    FirstResponseMinutes,
    NextResponseMinutes,
    ResolutionMinutes,
    WarningPercent,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ScriptStages {
    Table,
    Id,
    Key,
    LabelEn,
    LabelZh,
    Position,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Scripts {
    Table,
    Id,
    StageId,
    OwnerId,
    Title,
    Shortcut,
    UsageCount,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ScriptBodies {
    Table,
    ScriptId,
    Locale,
    Body,
}

#[derive(Iden, Clone, Copy)]
pub enum ScriptKeys {
    Table,
    Key,
    ScriptId,
    OwnerId,
}

#[derive(Iden, Clone, Copy)]
pub enum RoutingAgents {
    Table,
    UserId,
    Capacity,
    Skills,
    OpenLoad,
    LastAssignedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum RoutingTeams {
    Table,
    TeamId,
    Strategy,
    RrCursor,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum RoutingRules {
    Table,
    Id,
    Position,
    Name,
    Conditions,
    TeamId,
    RequiredSkills,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum EmailAccounts {
    Table,
    InboxId,
    Address,
    SenderName,
    ImapHost,
    ImapPort,
    ImapSecurity,
    ImapUsername,
    ImapAuth,
    ImapSecret,
    ImapMailbox,
    SmtpHost,
    SmtpPort,
    SmtpSecurity,
    SmtpUsername,
    SmtpAuth,
    SmtpSecret,
    SignatureText,
    SignatureHtml,
    TlsCaPem,
    IngestSecret,
    UidValidity,
    LastUid,
    LeaseOwner,
    LeaseUntil,
    LastFetchAt,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum EmailMessages {
    Table,
    MessageId,
    InboxId,
    ConversationId,
    Direction,
    RfcMessageId,
    InReplyTo,
    Subject,
    FromAddress,
    ToAddresses,
    CcAddresses,
    Html,
    FullText,
    Automatic,
    Delivery,
    Failure,
    Attempts,
    SentAt,
    CreatedAt,
    SendingAt,
}

#[derive(Iden, Clone, Copy)]
pub enum EmailBlocklist {
    Table,
    Id,
    Pattern,
    CreatedBy,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Attachments {
    Table,
    Id,
    MessageId,
    ConversationId,
    Filename,
    ContentType,
    SizeBytes,
    BlobKey,
    Inline,
    ContentId,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Stores {
    Table,
    Id,
    Name,
    Kind,
    Currency,
    TimeZone,
    WebhookSecret,
    ReminderDelayMinutes,
    QuietHoursStart,
    QuietHoursEnd,
    ReminderScriptId,
    ReminderText,
    StaleAfterDays,
    WarehouseWebhookUrl,
    ChangeDoneText,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Orders {
    Table,
    Id,
    StoreId,
    OrderNumber,
    ContactId,
    BuyerName,
    PaymentState,
    FulfilmentState,
    Currency,
    ItemsTotal,
    ShippingFee,
    Discount,
    Total,
    PaidAmount,
    RefundedAmount,
    PlacedAt,
    PaidAt,
    Address,
    BuyerRemark,
    SellerRemark,
    Flag,
    SourceUpdatedAt,
    ContentHash,
    OpenChanges,
    LastCarrier,
    LastTrackingNumber,
    LastEventAt,
    LastEventStatus,
    LastEventText,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum OrderItems {
    Table,
    Id,
    OrderId,
    Position,
    Sku,
    Name,
    Spec,
    Quantity,
    UnitPrice,
    LineTotal,
}

#[derive(Iden, Clone, Copy)]
pub enum OrderChanges {
    Table,
    Id,
    OrderId,
    Kind,
    Description,
    NewAddress,
    Flag,
    CreatedBy,
    CreatedAt,
    AcknowledgedBy,
    AcknowledgedAt,
    ConversationId,
    WarehouseSentAt,
    WarehouseError,
    BuyerMessageId,
    BuyerTaskId,
}

#[derive(Iden, Clone, Copy)]
pub enum Shipments {
    Table,
    Id,
    OrderId,
    Carrier,
    TrackingNumber,
    Status,
    ShippedAt,
    DeliveredAt,
    LastEventAt,
    MovedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum TrackingEvents {
    Table,
    Id,
    ShipmentId,
    OccurredAt,
    Status,
    Location,
    Description,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum PaymentReminders {
    Table,
    Id,
    OrderId,
    StoreId,
    ContactId,
    ConversationId,
    MessageId,
    TaskId,
    Channel,
    SentAt,
    ConvertedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum LogisticsCases {
    Table,
    Id,
    ShipmentId,
    OrderId,
    ConversationId,
    TaskId,
    Kind,
    Status,
    Resolution,
    CompensationMinor,
    Currency,
    DueAt,
    Notes,
    OpenedBy,
    OpenedAt,
    UpdatedAt,
    ResolvedBy,
    ResolvedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum StoreFollowUpSettings {
    Table,
    StoreId,
    TeamId,
    GoodFrom,
    BadTo,
    CallbackHours,
    OfferScriptId,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Reviews {
    Table,
    Id,
    StoreId,
    OrderId,
    ContactId,
    SourceId,
    Rating,
    Class,
    Body,
    Images,
    ReviewedAt,
    Week,
    CallbackTaskId,
    CallbackReason,
    CallbackOutcome,
    CallbackReply,
    CallbackNote,
    CallbackBy,
    CallbackAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ReviewReasonCounts {
    Table,
    StoreId,
    Week,
    Reason,
    Count,
}

#[derive(Iden, Clone, Copy)]
pub enum ReviewRequests {
    Table,
    Id,
    OrderId,
    Channel,
    RequestedBy,
    RequestedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Outreach {
    Table,
    Id,
    StoreId,
    Kind,
    SourceId,
    ContactId,
    Items,
    Value,
    Currency,
    OccurredAt,
    Status,
    SkipReason,
    TaskId,
    OfferScriptId,
    OfferText,
    OrderId,
    CreatedAt,
    UpdatedAt,
}
