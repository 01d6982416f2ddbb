# routing: English texts
nav-routing = Queues
routing-queues-title = Queues and loads
routing-settings-title = Routing settings
routing-live-note = This page updates by itself as conversations arrive and agents free up.
routing-strategy = Strategy
routing-strategy-round_robin = Round-robin
routing-strategy-least_load = Least load first
routing-waiting = { $count ->
    [one] 1 waiting
   *[other] { $count } waiting
}
routing-online = { $count } online
routing-free-slots = { $count ->
    [one] 1 free place
   *[other] { $count } free places
}
routing-agent = Agent
routing-load = Open conversations
routing-capacity = Capacity
routing-skills = Skills
routing-skills-hint = Capacity: how many open conversations routing gives an agent at once (0 to 200). Skills: comma-separated tags, e.g. lang:en, product:phones, channel:email.
routing-no-members = No members yet.
routing-queue-empty = Nobody is waiting.
routing-customer = Waiting customer
routing-waiting-since = Waiting since
routing-language = Language
routing-move-to = Move to
routing-move = Move
routing-agents-group = Agents
routing-teams-group = Other teams
routing-agents-title = Agents: capacity and skills
routing-teams-title = Teams: how conversations are handed out
routing-rules-title = Rules
routing-rules-intro = A new conversation goes to the team of the first rule that matches it, else to its inbox's team, and waits in that team's queue until an online agent with room and the required skills takes it. Empty conditions match anything.
routing-rules-empty = No rules yet: conversations go to their inbox's team.
routing-rule-new = New rule
routing-rule-edit = Edit rule
routing-rule-name = Name
routing-rule-name-hint = e.g. Refunds to after-sales
routing-rule-team = Goes to team
routing-rule-conditions = When
routing-rule-inboxes = Inboxes
routing-rule-languages = Languages of the first message (zh, en, ru …)
routing-rule-ticket-types = Ticket types
routing-rule-levels = Customer levels
routing-rule-keywords = Words in the first message
routing-rule-skills = Skills the agent needs
routing-rule-any = Any conversation
routing-lists-hint = Separate several entries with commas. A conversation matches a rule when it matches every filled-in condition.
routing-move-up = Up
routing-move-down = Down
routing-edit = Edit
routing-delete = Delete
error-invalid_capacity = Capacity must be a whole number from 0 to 200.
error-invalid_skill = A skill is 1 to 40 characters without commas, e.g. lang:en.
error-too_many_skills = List at most 30 skills.
error-invalid_strategy = Choose round-robin or least load.
error-invalid_language_code = Write languages as two or three letters, e.g. zh, en, ru.
error-invalid_condition = Each condition entry must be 1 to 50 characters.
error-too_many_conditions = That condition has too many entries (50 at most).
error-unknown_team = Choose a team that exists.
error-unknown_inbox = One of the inboxes no longer exists; reload the page.
error-unknown_member_level = One of the customer levels is not in the list; reload the page.
error-too_many_rules = There are 200 rules already; remove one first.
error-incomplete_order = The rules changed meanwhile; reload the page and try again.
error-reassign_target_required = Choose an agent or a team.
error-already_assigned = A colleague took this conversation a moment ago.
