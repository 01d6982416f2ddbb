//! Table and column names of the after-sales tables (migration 17).

use sea_query::Iden;

#[derive(Iden, Clone, Copy)]
pub enum AfterSalesCases {
    Table,
    Id,
    StoreId,
    OrderId,
    ConversationId,
    ContactId,
    Kind,
    Reason,
    Status,
    Description,
    Currency,
    RefundMinor,
    ReshipCostMinor,
    ReturnCarrier,
    ReturnWaybill,
    Policy,
    PolicyDays,
    DeliveredOn,
    PolicyLastDay,
    PolicyInside,
    RejectionReason,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    SettledAt,
    ClosedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AfterSalesItems {
    Table,
    Id,
    CaseId,
    OrderItemId,
    Sku,
    Name,
    Spec,
    Quantity,
    UnitPrice,
    RefundShare,
    ReshipShare,
}

#[derive(Iden, Clone, Copy)]
pub enum AfterSalesHistory {
    Table,
    Id,
    CaseId,
    FromStatus,
    ToStatus,
    Note,
    ByUser,
    At,
}

#[derive(Iden, Clone, Copy)]
pub enum AfterSalesReasons {
    Table,
    Id,
    Key,
    LabelEn,
    LabelZh,
    Policy,
    Position,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AfterSalesWindows {
    Table,
    StoreId,
    Policy,
    Days,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AfterSalesTasks {
    Table,
    CaseId,
    TaskId,
}
