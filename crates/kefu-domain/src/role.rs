//! Roles and what each may do. Checked by the use cases, never by the UI alone.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// A staff member's role; each role may do everything the one before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Supervisor,
    Manager,
    Admin,
}

/// Something a role may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read conversations and contacts, reply, write notes, take and resolve conversations.
    WorkConversations,
    /// Assign conversations to other agents and teams.
    AssignOthers,
    /// Create and change inboxes (channels), their auto-replies and widget settings.
    ManageInboxes,
    /// Create users, change roles, create teams and set members.
    ManageUsers,
    /// Define the archive's custom fields and choice lists (member levels, sources).
    ManageArchive,
    /// See customers' phones, emails and handles in full. Others see them masked
    /// (138****5678) and may reveal one at a time, which is audited.
    SeeFullIdentities,
    /// Merge duplicate contacts or organisations.
    MergeArchive,
    /// Export customer lists to .xlsx/.csv, and import them.
    ExportArchive,
    /// Erase a customer's personal data on their request.
    EraseArchive,
    /// Read and filter the audit log.
    ReadAudit,
    /// Write automation rules and shared macros.
    ManageAutomation,
    /// Create and change business calendars and SLA policies.
    ManageSla,
    /// Write and change the team's shared scripts (话术) and their stages. Everyone
    /// writes their own personal scripts.
    ManageSharedScripts,
    /// Approve, reject and refund after-sales cases, export the returns register and read
    /// the loss view. Everyone opens and works cases.
    DecideAfterSales,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Agent, Role::Supervisor, Role::Manager, Role::Admin];

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "agent" => Ok(Role::Agent),
            "supervisor" => Ok(Role::Supervisor),
            "manager" => Ok(Role::Manager),
            "admin" => Ok(Role::Admin),
            other => Err(Invalid::new(
                "role",
                "invalid_role",
                format!("'{other}' is not a role; use agent, supervisor, manager or admin"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        let least = match permission {
            Permission::WorkConversations => Role::Agent,
            Permission::AssignOthers
            | Permission::SeeFullIdentities
            | Permission::MergeArchive
            | Permission::ManageSharedScripts
            | Permission::DecideAfterSales => Role::Supervisor,
            Permission::ExportArchive | Permission::EraseArchive | Permission::ReadAudit => {
                Role::Manager
            }
            Permission::ManageInboxes
            | Permission::ManageUsers
            | Permission::ManageArchive
            | Permission::ManageAutomation
            | Permission::ManageSla => Role::Admin,
        };
        self >= least
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privacy_permissions_follow_the_role_ladder() {
        assert!(!Role::Agent.allows(Permission::SeeFullIdentities));
        assert!(Role::Supervisor.allows(Permission::SeeFullIdentities));
        assert!(Role::Supervisor.allows(Permission::MergeArchive));
        assert!(!Role::Supervisor.allows(Permission::ExportArchive));
        assert!(Role::Manager.allows(Permission::ExportArchive));
        assert!(Role::Manager.allows(Permission::EraseArchive));
        assert!(Role::Manager.allows(Permission::ReadAudit));
        assert!(!Role::Supervisor.allows(Permission::ReadAudit));
    }

    #[test]
    fn agents_work_conversations_but_do_not_administer() {
        assert!(Role::Agent.allows(Permission::WorkConversations));
        assert!(!Role::Agent.allows(Permission::AssignOthers));
        assert!(!Role::Agent.allows(Permission::ManageUsers));
    }

    #[test]
    fn supervisors_assign_and_admins_do_everything() {
        assert!(Role::Supervisor.allows(Permission::AssignOthers));
        assert!(!Role::Manager.allows(Permission::ManageInboxes));
        assert!(Role::Admin.allows(Permission::ManageInboxes));
        assert!(Role::Admin.allows(Permission::ManageUsers));
        assert!(!Role::Manager.allows(Permission::ManageSla));
        assert!(Role::Admin.allows(Permission::ManageSla));
    }

    #[test]
    fn supervisors_and_above_manage_shared_scripts() {
        assert!(!Role::Agent.allows(Permission::ManageSharedScripts));
        assert!(Role::Supervisor.allows(Permission::ManageSharedScripts));
        assert!(Role::Admin.allows(Permission::ManageSharedScripts));
    }

    #[test]
    fn supervisors_and_above_decide_after_sales_cases() {
        assert!(!Role::Agent.allows(Permission::DecideAfterSales));
        assert!(Role::Supervisor.allows(Permission::DecideAfterSales));
        assert!(Role::Manager.allows(Permission::DecideAfterSales));
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert_eq!(Role::parse("boss").unwrap_err().code, "invalid_role");
    }
}
