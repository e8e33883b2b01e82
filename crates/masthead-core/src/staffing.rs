//! Who may change the staff, and how: pure rules that the newsroom's staff page (and
//! next the Admin API) check before the store writes. Administrators invite people
//! with a role, change roles, and take access away or give it back; never their own,
//! so no administrator locks themselves (or the last administrator) out.

use crate::error::{Error, FieldError, Result};
use crate::ids::PersonId;
use crate::people::{is_plausible_email, normalize_email, Role};
use crate::workflow::Actor;

/// A change to someone on the staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChange {
    Role(Role),
    Access { active: bool },
}

impl StaffChange {
    fn what(self) -> &'static str {
        match self {
            Self::Role(_) => "role",
            Self::Access { .. } => "access",
        }
    }
}

/// Whether `actor` may make `change` to the staff member `target`.
pub fn check_change(actor: Actor, target: PersonId, change: StaffChange) -> Result<()> {
    if actor.role != Role::Admin {
        return Err(Error::forbidden("only administrators change the staff"));
    }
    if actor.person == target {
        return Err(Error::conflict(format!(
            "another administrator changes your {}",
            change.what()
        )));
    }
    Ok(())
}

/// An invitation to join the staff, as asked for and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub name: String,
    /// Normalized (trimmed, lower case), as accounts are looked up.
    pub email: String,
    pub role: Role,
}

impl Invitation {
    /// The invitation `actor` asks for: administrators only, with a name, a plausible
    /// email address and a role from the list (every problem said at once). Whether
    /// the address is on the staff already is for the caller to look up.
    pub fn new(actor: Actor, name: &str, email: &str, role: &str) -> Result<Self> {
        if actor.role != Role::Admin {
            return Err(Error::forbidden("only administrators invite staff"));
        }
        let name = name.trim();
        let email = normalize_email(email);
        let role = role.parse::<Role>().ok();
        let mut errors = Vec::new();
        if name.is_empty() {
            errors.push(FieldError::new(
                "name",
                "Give the name of the person you invite.",
            ));
        }
        if !is_plausible_email(&email) {
            errors.push(FieldError::new(
                "email",
                "Enter an email address like name@example.com.",
            ));
        }
        match role {
            Some(role) if errors.is_empty() => Ok(Self {
                name: name.to_owned(),
                email,
                role,
            }),
            _ => {
                if role.is_none() {
                    errors.push(FieldError::new("role", "Choose a role from the list."));
                }
                Err(Error::Invalid(errors))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: PersonId = PersonId(1);
    const OTHER: PersonId = PersonId(2);

    #[test]
    fn only_administrators_change_the_staff_and_never_themselves() {
        let changes = [
            StaffChange::Role(Role::Contributor),
            StaffChange::Role(Role::Admin),
            StaffChange::Access { active: false },
            StaffChange::Access { active: true },
        ];
        for role in Role::ALL {
            let actor = Actor {
                person: ME,
                role: *role,
            };
            for change in changes {
                for target in [ME, OTHER] {
                    let checked = check_change(actor, target, change);
                    match (*role, target) {
                        (Role::Admin, OTHER) => assert!(checked.is_ok(), "{change:?}"),
                        (Role::Admin, _) => assert!(
                            matches!(&checked, Err(Error::Conflict(m)) if m.contains(change.what())),
                            "{checked:?}"
                        ),
                        _ => assert!(matches!(checked, Err(Error::Forbidden(_))), "{role:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn an_invitation_needs_a_name_an_address_and_a_role() {
        let admin = Actor {
            person: ME,
            role: Role::Admin,
        };
        let made = Invitation::new(admin, "  Ada Reporter ", " Ada@Example.COM ", "author");
        assert_eq!(
            made.unwrap(),
            Invitation {
                name: "Ada Reporter".into(),
                email: "ada@example.com".into(),
                role: Role::Author,
            }
        );
        let fields = |r: Result<Invitation>| match r {
            Err(Error::Invalid(e)) => e.iter().map(|e| e.field).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            fields(Invitation::new(admin, " ", "a@b.example", "editor")),
            ["name"]
        );
        assert_eq!(
            fields(Invitation::new(admin, "A", "not an address", "editor")),
            ["email"]
        );
        assert_eq!(
            fields(Invitation::new(admin, "A", "a@b.example", "owner")),
            ["role"]
        );
        assert_eq!(
            fields(Invitation::new(admin, "", "", "")),
            ["name", "email", "role"]
        );
        for role in Role::ALL.iter().filter(|r| **r != Role::Admin) {
            let actor = Actor {
                person: ME,
                role: *role,
            };
            assert!(matches!(
                Invitation::new(actor, "A", "a@b.example", "author"),
                Err(Error::Forbidden(_))
            ));
        }
    }
}
