//! The guide JSON format, version 1: the serde structs customer-success teams write.
//!
//! These structs are the *raw* stage of loading: serde checks shapes, names and types
//! here; [`crate::compile`] then checks meaning and builds the engine's model. The JSON
//! Schema in `guides/schema.json` is generated from these types.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::duration::Duration;
use crate::event::StallKind;
use crate::text::Text;

/// One guide: who sees it, when, how often, and its steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuideSpec<S = StepSpec> {
    /// Editor hint pointing at the schema; ignored.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Unique id, used in events, progress and milestones (`onboarding-first-project`).
    pub id: String,
    /// Human name shown in analytics.
    pub name: String,
    /// Bump it to show a changed guide again to users who saw an earlier version.
    #[serde(default = "one")]
    pub version: u32,
    /// Higher runs first when several guides want the screen; the rest queue.
    #[serde(default)]
    pub priority: i32,
    /// Locales the texts are written in; the first is the fallback. Default `["en"]`.
    #[serde(default = "default_locales")]
    pub locales: Vec<String>,
    /// Who sees the guide and where.
    #[serde(default)]
    pub audience: Audience,
    /// What starts the guide.
    #[serde(default)]
    pub trigger: Trigger,
    /// How often a user may see it.
    #[serde(default)]
    pub frequency: Frequency,
    /// The steps, in order.
    pub steps: Vec<S>,
    /// Named elements whose use is counted for adoption analytics.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<FeatureSpec>,
    /// Onboarding goals this guide contributes to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<MilestoneSpec>,
}

fn one() -> u32 {
    1
}

fn default_locales() -> Vec<String> {
    vec!["en".to_string()]
}

/// Who sees a guide: pages, user and account conditions, locales.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    /// Pages the guide may run on (any of them); empty means every page.
    #[serde(default)]
    pub urls: Vec<UrlRule>,
    /// Pages the guide never runs on, even when `urls` matches.
    #[serde(default)]
    pub exclude_urls: Vec<UrlRule>,
    /// Conditions on the user and account (`user.role`, `account.plan`, `locale`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// User locales the guide is for (language match: `ja` covers `ja-JP`); empty means all.
    #[serde(default)]
    pub locales: Vec<String>,
}

/// A page rule, matched against the path without query string or fragment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum UrlRule {
    /// The path equals this (`/projects/new`).
    Exact(String),
    /// The path starts with this (`/settings/`).
    Prefix(String),
    /// `*` matches within one segment, `**` across segments (`/projects/*/edit`).
    Glob(String),
    /// A regular expression searched in the path (`^/projects/[0-9]+$`).
    Regex(String),
}

/// A condition on the user, account and locale; exactly one of `all`, `any`, `not` or
/// `attr` (with `op` and usually `value`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Every condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Condition>>,
    /// At least one condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
    /// The condition does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<Condition>>,
    /// The attribute tested: `user.id`, `user.<trait>`, `account.id`, `account.<trait>`, `locale`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attr: Option<String>,
    /// The operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Op>,
    /// The operand: a string, number, bool, list (for `in`), or date (for `before`/`after`:
    /// `2026-01-31`, an RFC 3339 time, or relative to now like `-14d`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub value: Option<crate::json::Json>,
}

/// Comparison operators of audience conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Equal (strings, numbers, bools).
    Eq,
    /// Not equal.
    Ne,
    /// Equal to one of a list.
    In,
    /// Equal to none of a list.
    NotIn,
    /// String contains, or list contains.
    Contains,
    /// String starts with.
    StartsWith,
    /// Number greater than.
    Gt,
    /// Number greater than or equal.
    Gte,
    /// Number less than.
    Lt,
    /// Number less than or equal.
    Lte,
    /// The attribute is set (no value).
    Exists,
    /// The attribute is not set (no value).
    NotExists,
    /// Date before.
    Before,
    /// Date after.
    After,
}

/// What starts a guide.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "on", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// When a page in the audience is viewed.
    #[default]
    PageLoad,
    /// When an element matching `selector` appears (visible) on a page in the audience.
    ElementAppears {
        /// CSS selector.
        selector: String,
    },
    /// When the host app tracks this event (`waymark.track(name)`).
    Event {
        /// Event name.
        name: String,
    },
    /// Contextual help: when the user stalls on a page in the audience.
    Stall {
        /// Stall kinds that start it; empty means any user stall.
        #[serde(default)]
        kinds: Vec<StallKind>,
        /// Only stalls on or inside this element.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selector: Option<String>,
    },
    /// Only from the API (`waymark.start(id)`) or a preview link.
    Manual,
}

/// How often a user may see a guide.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Frequency {
    /// The rule.
    #[serde(default)]
    pub mode: FrequencyMode,
    /// Minimum time between two starts of the guide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<Duration>,
}

/// Frequency rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FrequencyMode {
    /// At most once per user, ever (per guide version).
    #[default]
    Once,
    /// Again (after the cool-down) until the user completes it.
    UntilCompleted,
    /// At most once per session.
    OncePerSession,
    /// Every time it triggers (after the cool-down).
    Always,
}

/// One step of a guide.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// Unique within the guide.
    pub id: String,
    /// What the step looks like.
    #[serde(default)]
    pub kind: StepKind,
    /// The element the step points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetSpec>,
    /// The page the step shows on, for guides that span pages; default: any page of the audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<UrlRule>,
    /// Where an anchored card goes relative to its target.
    #[serde(default)]
    pub placement: Placement,
    /// Title (plain text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// Body in the safe markdown subset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Text>,
    /// Buttons; default: Back (after the first step) and Next, or Done on the last step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buttons: Option<Vec<ButtonSpec>>,
    /// What completes the step.
    #[serde(default)]
    pub advance: Advance,
    /// Idle time on this step before it counts as a stall (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_after: Option<Duration>,
}

/// Kinds of step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A card anchored to its target.
    #[default]
    Tooltip,
    /// A centred dialog over a dimmed page; keeps keyboard focus.
    Modal,
    /// A pulsing marker on the target that opens a tooltip.
    Hotspot,
    /// A strip at the top of the page.
    Banner,
}

/// The element a step points at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// CSS selector.
    pub selector: String,
    /// Only an element whose text contains this (trimmed, case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Selectors tried in order when `selector` matches nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallbacks: Vec<String>,
    /// What to do when the target is not on the page.
    #[serde(default)]
    pub missing: MissingTarget,
}

/// The missing-target policy: wait, then act.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MissingTarget {
    /// How long to wait for the target (default 5s).
    #[serde(default = "default_wait")]
    pub wait: Duration,
    /// What to do after waiting.
    #[serde(default)]
    pub then: MissingPolicy,
}

fn default_wait() -> Duration {
    Duration::secs(5)
}

impl Default for MissingTarget {
    fn default() -> Self {
        Self { wait: default_wait(), then: MissingPolicy::default() }
    }
}

/// What a step does when its target never appears.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    /// End the guide (it will be offered again per its frequency).
    #[default]
    End,
    /// Skip to the next step.
    Skip,
    /// Show the card centred, without an anchor.
    Center,
}

/// Card placement relative to the target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// The side with the most room.
    #[default]
    Auto,
    /// Above.
    Top,
    /// Below.
    Bottom,
    /// To the left.
    Left,
    /// To the right.
    Right,
}

/// A button on a step card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ButtonSpec {
    /// What it does.
    pub action: ButtonAction,
    /// Label; default per action ("Next", "Back", "Done", "Dismiss").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    /// For `link`: where it goes (http(s) or relative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// For `goto`: the step id to jump to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// Button actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ButtonAction {
    /// Complete the step and go on.
    Next,
    /// Go to the previous step.
    Back,
    /// Complete the guide.
    Done,
    /// Close the guide.
    Dismiss,
    /// Open `url` (the guide stays).
    Link,
    /// Jump to `step`.
    Goto,
}

impl ButtonAction {
    /// The name guides spell it with (`next`, `goto`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ButtonAction::Next => "next",
            ButtonAction::Back => "back",
            ButtonAction::Done => "done",
            ButtonAction::Dismiss => "dismiss",
            ButtonAction::Link => "link",
            ButtonAction::Goto => "goto",
        }
    }
}

/// What completes a step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "on", rename_all = "snake_case", deny_unknown_fields)]
pub enum Advance {
    /// The Next (or Done) button.
    #[default]
    Next,
    /// A click on the target.
    Click,
    /// Input into the target that meets a condition (the value never leaves the page).
    Input {
        /// The condition; default `non_empty`.
        #[serde(default)]
        when: InputCondition,
    },
    /// Navigation to a page matching `url`.
    Url {
        /// The page rule.
        url: UrlRule,
    },
    /// An element appears.
    Appears {
        /// CSS selector.
        selector: String,
    },
    /// An element disappears.
    Disappears {
        /// CSS selector.
        selector: String,
    },
    /// Time passes.
    Delay {
        /// How long.
        after: Duration,
    },
    /// The host app tracks an event.
    Event {
        /// Event name.
        name: String,
    },
}

/// A condition on an input's value, checked on the page; only the outcome reaches the engine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum InputCondition {
    /// Anything typed.
    #[default]
    NonEmpty,
    /// The browser's constraint validation passes (`required`, `type=email`, `pattern`, ...).
    Valid,
    /// At least this many characters.
    MinLength(u32),
    /// The whole value matches this regular expression.
    Pattern(String),
}

/// A named element whose use is counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureSpec {
    /// Unique id across all guides (`export-csv`).
    pub id: String,
    /// Human name.
    pub name: String,
    /// CSS selector of the element whose clicks count as use.
    pub selector: String,
}

/// An onboarding goal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneSpec {
    /// Unique id across all guides.
    pub id: String,
    /// Human name ("Initial setup completed").
    pub name: String,
    /// What has to happen.
    pub goal: Goal,
    /// For an account goal: how many of the account's users must reach it; absent for a
    /// per-user goal (then the agent reports it the moment the user reaches it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<u32>,
}

/// What a milestone counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Goal {
    /// A guide completed.
    GuideCompleted {
        /// Guide id.
        guide: String,
    },
    /// A feature used a number of times.
    FeatureUsed {
        /// Feature id.
        feature: String,
        /// How many uses (default 1).
        #[serde(default = "one")]
        times: u32,
    },
    /// A tracked event seen a number of times.
    Event {
        /// Event name.
        name: String,
        /// How many times (default 1).
        #[serde(default = "one")]
        times: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_action_names_are_the_json_names() {
        use ButtonAction::*;
        for a in [Next, Back, Done, Dismiss, Link, Goto] {
            assert_eq!(serde_json::to_value(a).ok(), Some(serde_json::Value::from(a.name())));
        }
    }
}
