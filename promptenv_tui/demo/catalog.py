"""The demo set: prompts written for promptenv's demo (not taken from any collection).

Each prompt is a list of versions, oldest first. A version either gives its full text or edits the
previous one (``append``, ``replace``), the way prompts really evolve: small changes a diff shows.
For chat prompts the edits apply to the system message; ``user`` replaces the user message.

``days`` is how many days before the demo is built the version was written. ``release`` says how
far the prompt's releases usually go (the builder turns it into a history of moves):

* ``all``: every version goes development → staging → production (unless superseded first);
* ``staging``: the newest version stops at staging;
* ``dev``: the newest version is only in development;
* ``new``: never released: development only;
* ``rollback``: the newest version reached production, broke something, and production was
  rolled back to the version before (``incident`` is the reason given).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class V:
    days: float
    author: str
    change: str | None = None
    text: str | None = None
    append: str | None = None
    replace: tuple[tuple[str, str], ...] = ()
    user: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoPrompt:
    name: str
    description: str
    tags: tuple[str, ...]
    versions: tuple[V, ...]
    structure: str = "text"
    type: str = "mustache"
    release: str = "all"
    incident: str | None = None
    metadata: dict = field(default_factory=dict)


def r(*pairs: str) -> tuple[tuple[str, str], ...]:
    """replace=r(old, new, old2, new2, ...)"""
    return tuple(zip(pairs[0::2], pairs[1::2]))


MAYA, TOM, PRIYA, LENA, DIEGO, SAM, AMARA = (
    "maya.chen", "tom.okafor", "priya.raman", "lena.schulz", "diego.alvarez", "sam.kowalski",
    "amara.nwosu",
)

CATALOG: tuple[DemoPrompt, ...] = (
    # ------------------------------------------------------------------ support
    DemoPrompt(
        "Support reply", "First reply to an inbound support email.", ("support", "email"),
        (
            V(130, MAYA, "First draft", text=(
                "You are a support agent for {{company}}.\n"
                "Write a reply to the customer email below.\n\n"
                "Customer name: {{customer_name}}\n"
                "Email:\n{{email_body}}\n\n"
                "Be polite and concise. Sign as {{agent_name}}.")),
            V(104, MAYA, "Ask for the order number when it is missing", append=(
                "\n\nIf the email is about an order and gives no order number, ask for it in "
                "one sentence.")),
            V(71, TOM, "Friendlier tone; no apologies for things we did not do", replace=r(
                "Be polite and concise.",
                "Be warm, plain-spoken and concise. Apologise only for our own mistakes.")),
            V(23, MAYA, "Link the help centre article when one matches", append=(
                "\n{{#help_article}}\nEnd with: \"This article may help: {{help_article}}\"\n"
                "{{/help_article}}"), tags=("candidate",)),
        ),
    ),
    DemoPrompt(
        "Refund request triage", "Decides whether a refund request can be approved "
        "automatically.", ("support", "classifier", "billing"),
        (
            V(118, PRIYA, "Initial rules", text=(
                "Classify the refund request as APPROVE, REVIEW or DENY.\n\n"
                "Order total: {{ order_total }} {{ currency }}\n"
                "Days since delivery: {{ days_since_delivery }}\n"
                "Request:\n{{ message }}\n\n"
                "Answer with the label only.")),
            V(90, PRIYA, "Policy window and high-value orders", replace=r(
                "Answer with the label only.",
                "Rules:\n"
                "- More than {{ refund_window_days }} days since delivery: DENY.\n"
                "{% if order_total > 500 %}- Orders above 500 always need REVIEW.\n{% endif %}"
                "- Damaged or missing items inside the window: APPROVE.\n\n"
                "Answer with the label only.")),
            V(33, DIEGO, "Return a JSON verdict with a reason", replace=r(
                "Answer with the label only.",
                "Answer as JSON: {\"label\": \"APPROVE|REVIEW|DENY\", \"reason\": \"<one "
                "sentence>\"}")),
        ),
        type="jinja2",
    ),
    DemoPrompt(
        "Ticket summariser", "Two-line summary shown at the top of a ticket.", ("support", "summary"),
        (
            V(126, TOM, "First draft", text=(
                "Summarise this support ticket in two lines for the next agent.\n"
                "Line 1: what the customer wants. Line 2: what has been tried.\n\n{{thread}}")),
            V(80, TOM, "Mention the customer's mood", append=(
                "\nIf the customer is upset, start line 1 with [upset].")),
            V(12, LENA, "Keep product names exactly as written", append=(
                "\nKeep product names and error codes exactly as they appear.")),
        ),
        release="staging",
    ),
    DemoPrompt(
        "Support chat assistant", "The assistant in the in-app help chat.",
        ("support", "chat", "customer-facing"),
        (
            V(140, MAYA, "Launch version", text=(
                "You are Pip, the help assistant of {{product_name}}. Answer questions about "
                "the product using the help centre excerpts provided. If you do not know, say so "
                "and offer to connect the user with a person."),
              user="Help centre excerpts:\n{{excerpts}}\n\nQuestion: {{question}}"),
            V(99, MAYA, "Never promise delivery dates", append=(
                " Never promise delivery dates or refunds; a person decides those.")),
            V(62, SAM, "Shorter answers, bullet points for steps", append=(
                " Keep answers under 120 words. Use numbered steps for instructions.")),
            V(9, SAM, "Answer in the user's language", append=(
                " Reply in the language of the question ({{locale}} if unsure)."),
              user="Help centre excerpts:\n{{excerpts}}\n\nUser locale: {{locale}}\n"
                   "Question: {{question}}"),
        ),
        structure="chat", release="rollback",
        incident="rollback: replies switched to German for en-GB users",
    ),
    DemoPrompt(
        "Outage apology", "Status-page and email text after an incident.", ("support", "incident"),
        (
            V(111, LENA, "First draft", text=(
                "Write a short apology to customers affected by an outage of {{service}}.\n"
                "Duration: {{duration}}. Cause (internal, do not quote): {{cause}}.\n"
                "Say what happened in plain words, what we fixed, and what we will change.")),
            V(47, LENA, "No blame, no jargon", append=(
                "\nDo not blame suppliers or individuals. Avoid technical jargon.")),
        ),
    ),
    DemoPrompt(
        "Escalation detector", "Flags conversations that need a team lead.",
        ("support", "classifier"),
        (
            V(97, PRIYA, "First version", text=(
                "Decide whether this support conversation needs a team lead. Escalate when the "
                "customer threatens to cancel, mentions legal action, or has contacted us more "
                "than twice about the same problem. Reply YES or NO."),
              user="{% for m in messages %}{{ m.role }}: {{ m.text }}\n{% endfor %}"),
            V(58, PRIYA, "Add safety and press mentions", replace=r(
                "or has contacted us",
                "mentions a safety issue or a journalist, or has contacted us")),
            V(5, DIEGO, "Explain the decision", replace=r(
                "Reply YES or NO.", "Reply YES or NO, then one line saying why.")),
        ),
        structure="chat", type="jinja2", release="dev",
    ),
    # ------------------------------------------------------------------ summarisers
    DemoPrompt(
        "Meeting notes summariser", "Turns a meeting transcript into notes and actions.",
        ("summary", "productivity"),
        (
            V(135, AMARA, "First draft", text=(
                "Summarise the meeting below.\n\n"
                "Title: {{ title }}\nAttendees: {{ attendees | join(', ') }}\n\n"
                "Transcript:\n{{ transcript }}\n\n"
                "Write: a three-sentence summary, then decisions, then action items.")),
            V(88, AMARA, "Owners and due dates on action items", replace=r(
                "then action items.",
                "then action items as '- [owner] task (due date if said)'.")),
            V(40, TOM, "Skip sections that are empty", append=(
                "\n{% if language != 'en' %}Write the notes in {{ language }}.\n{% endif %}"
                "Leave out a section when there is nothing to put in it.")),
        ),
        type="jinja2",
    ),
    DemoPrompt(
        "Release notes writer", "Customer-facing release notes from merged pull requests.",
        ("summary", "product", "engineering"),
        (
            V(120, SAM, "First draft", text=(
                "Write release notes for version {{ version }} from these merged changes:\n"
                "{% for pr in pull_requests %}- {{ pr.title }} ({{ pr.labels | join(', ') }})\n"
                "{% endfor %}\nGroup them under New, Improved and Fixed.")),
            V(74, SAM, "Hide internal changes", append=(
                "\nLeave out changes labelled internal, chore or refactor.")),
            V(18, LENA, "Lead with the one change users will notice most", append=(
                "\nStart with one sentence about the change users will notice most.")),
        ),
        type="jinja2", release="staging",
    ),
    DemoPrompt(
        "Call transcript summary", "Summary of a sales call for the CRM.", ("summary", "sales"),
        (
            V(92, DIEGO, "First version", text=(
                "Summarise this sales call for the CRM: the customer's needs, objections, budget "
                "and next step. Use short bullet points."),
              user="Account: {{account}}\nTranscript:\n{{transcript}}"),
            V(36, DIEGO, "Add a deal-risk line", append=(
                " Finish with 'Risk: low|medium|high' and one reason.")),
        ),
        structure="chat",
    ),
    DemoPrompt(
        "Contract clause summariser", "Plain-language summary of a contract clause for sales.",
        ("summary", "legal"),
        (
            V(109, PRIYA, "First version", text=(
                "Explain this contract clause in plain English for a sales manager:\n\n"
                "{{clause}}\n\nSay what we commit to and what the customer commits to.")),
            V(66, PRIYA, "Flag unusual terms", append=(
                "\nFlag anything unusual compared with our standard terms:\n{{standard_terms}}")),
            V(27, LENA, "Add the not-legal-advice line", append=(
                "\nEnd with: \"This is a summary, not legal advice.\"")),
        ),
    ),
    DemoPrompt(
        "Daily standup digest", "Posts yesterday's updates to the team channel.",
        ("summary", "productivity", "slack"),
        (
            V(8, AMARA, "First draft", text=(
                "Write today's standup digest for {{ team }} from these updates:\n"
                "{% for u in updates %}{{ u.person }}: {{ u.text }}\n{% endfor %}\n"
                "One line per person, blockers first.")),
            V(2, AMARA, "Emoji for blockers", replace=r(
                "blockers first.", "blockers first, marked with :warning:.")),
        ),
        type="jinja2", release="new",
    ),
    # ------------------------------------------------------------------ SQL and data
    DemoPrompt(
        "SQL query writer", "Writes read-only SQL for analysts from a question.",
        ("sql", "data", "internal"),
        (
            V(138, TOM, "First version", text=(
                "You write PostgreSQL queries. Use only the tables below. Return one SELECT "
                "statement and nothing else.\n\nSchema:\n{{ schema }}"),
              user="{{ question }}"),
            V(101, TOM, "Read-only guard", append=(
                "\nNever write INSERT, UPDATE, DELETE, DROP or ALTER, even if asked.")),
            V(64, PRIYA, "Limit result sizes", append=(
                "\nAdd LIMIT {{ max_rows | default(1000) }} unless the question asks for a "
                "count or an aggregate.")),
            V(15, PRIYA, "Prefer CTEs and explain assumptions in a comment", append=(
                "\nPrefer common table expressions to nested subqueries. If the question is "
                "ambiguous, state your assumption in a leading -- comment.")),
        ),
        structure="chat", type="jinja2", release="staging",
    ),
    DemoPrompt(
        "SQL query explainer", "Explains what a query does, for reviewers.", ("sql", "data"),
        (
            V(85, TOM, "First version", text=(
                "Explain what this SQL query does, step by step, for someone who knows the "
                "business but not SQL:\n\n{{query}}")),
            V(30, SAM, "Point out performance risks", append=(
                "\nThen list anything that could make it slow on large tables (missing filters, "
                "cross joins, functions on indexed columns).")),
        ),
    ),
    DemoPrompt(
        "Data dictionary describer", "Describes columns for the data catalogue.", ("data",),
        (
            V(77, PRIYA, "First version", text=(
                "Describe each column of table {{ table }} in one sentence for the data "
                "catalogue.\n{% for c in columns %}- {{ c.name }} {{ c.type }}: sample values "
                "{{ c.samples | join(', ') }}\n{% endfor %}")),
            V(21, PRIYA, "Mark personal data", append=(
                "Mark columns that hold personal data with (PII).")),
        ),
        type="jinja2",
    ),
    DemoPrompt(
        "Dashboard insight narrator", "One paragraph on what changed in a KPI dashboard.",
        ("data", "summary"),
        (
            V(83, LENA, "First version", text=(
                "Here are this week's KPIs and last week's:\n{{kpis}}\n\n"
                "Write one paragraph on what changed and the most likely reason.")),
            V(50, LENA, "No causal claims without evidence", replace=r(
                "and the most likely reason.",
                "and possible reasons. Do not claim a cause unless the data shows it.")),
            V(6, DIEGO, "Numbers as percentages with one decimal", append=(
                "\nWrite changes as percentages with one decimal (+4.2%).")),
        ),
        release="dev",
    ),
    # ------------------------------------------------------------------ classifiers & extraction
    DemoPrompt(
        "Sentiment classifier", "Positive / neutral / negative for reviews and surveys.",
        ("classifier", "feedback"),
        (
            V(142, DIEGO, "First version", text=(
                "Classify the sentiment of the text as positive, neutral or negative.\n\n"
                "Text: {{text}}\n\nSentiment:")),
            V(96, DIEGO, "Mixed reviews", replace=r(
                "positive, neutral or negative.",
                "positive, neutral, negative or mixed (both praise and complaints).")),
            V(44, SAM, "Confidence score", replace=r(
                "Sentiment:", "Answer as: <label> <confidence 0-1>")),
        ),
    ),
    DemoPrompt(
        "Intent router", "Routes an incoming chat message to the right queue.",
        ("classifier", "routing", "customer-facing"),
        (
            V(136, MAYA, "Five queues", text=(
                "Route the customer's message to one queue: billing, technical, account, sales, "
                "other. Reply with the queue name only."),
              user="{{ message }}"),
            V(110, MAYA, "Add cancellations", replace=r(
                "account, sales, other.", "account, sales, cancellation, other.")),
            V(76, PRIYA, "Examples for the ambiguous cases", append=(
                "\nExamples:\n'I was charged twice' -> billing\n'Close my account' -> "
                "cancellation\n'Can I add seats?' -> sales")),
            V(42, PRIYA, "Use the customer's plan", user=(
                "Plan: {{ plan }}{% if is_trial %} (trial){% endif %}\nMessage: {{ message }}"),
              append="\nTrial users asking about prices go to sales."),
            V(11, MAYA, "JSON output for the router service", replace=r(
                "Reply with the queue name only.",
                "Reply as JSON: {\"queue\": \"...\", \"confidence\": 0.0}.")),
        ),
        structure="chat", type="jinja2", release="rollback",
        incident="rollback: router service could not parse the JSON reply",
    ),
    DemoPrompt(
        "Language detector", "ISO 639-1 code of a message.", ("classifier", "i18n"),
        (
            V(100, SAM, "First version", text=(
                "What language is this text written in? Reply with the ISO 639-1 code only.\n\n"
                "{{text}}")),
            V(55, SAM, "Unknown for very short texts", append=(
                "\nIf the text is shorter than three words or not language, reply und.")),
        ),
    ),
    DemoPrompt(
        "Toxicity screen", "Screens user-generated content before it is shown.",
        ("classifier", "safety", "customer-facing"),
        (
            V(125, AMARA, "First version", text=(
                "You screen community posts. Label the post SAFE, REVIEW or BLOCK. BLOCK hate, "
                "threats and sexual content involving minors. REVIEW insults and spam."),
              user="{{post}}"),
            V(70, AMARA, "Self-harm goes to review with a flag", append=(
                " Posts about self-harm: REVIEW with the flag SELF_HARM.")),
            V(29, SAM, "Quote the offending span", append=(
                " For REVIEW and BLOCK, quote the shortest span that made you decide.")),
        ),
        structure="chat",
    ),
    DemoPrompt(
        "Invoice field extractor", "Extracts fields from OCR text of supplier invoices.",
        ("extraction", "finance"),
        (
            V(131, DIEGO, "Core fields", text=(
                "Extract from the invoice text: supplier name, invoice number, invoice date, "
                "total, currency. Answer as JSON with those keys; null when missing."),
              user="{{ ocr_text }}"),
            V(93, DIEGO, "Dates as ISO 8601", append=(
                " Dates as YYYY-MM-DD.")),
            V(59, PRIYA, "VAT number and line items", replace=r(
                "total, currency.",
                "total, currency, VAT number, and line items (description, quantity, unit "
                "price).")),
            V(20, PRIYA, "Supplier hints from the vendor list", user=(
                "Known suppliers:\n{% for s in suppliers %}- {{ s }}\n{% endfor %}\n"
                "Invoice text:\n{{ ocr_text }}")),
        ),
        structure="chat", type="jinja2",
    ),
    DemoPrompt(
        "Resume parser", "Structured profile from a CV for the hiring tool.",
        ("extraction", "hr"),
        (
            V(68, LENA, "First version", text=(
                "Extract from the CV below: name, email, current title, years of experience, "
                "skills (list). Answer as JSON.\n\n{{ cv_text }}")),
            V(24, LENA, "No guessing of age or gender", append=(
                "\nNever infer age, gender, nationality or other protected characteristics.")),
        ),
        type="jinja2", release="staging",
    ),
    DemoPrompt(
        "PII redactor", "Removes personal data from logs before they leave the cluster.",
        ("privacy", "extraction", "internal"),
        (
            V(115, SAM, "First version", text=(
                "Replace every email address, phone number and person's name in the text with "
                "[REDACTED]. Change nothing else.\n\n{{text}}")),
            V(73, SAM, "Typed placeholders", replace=r(
                "[REDACTED]", "[EMAIL], [PHONE] or [NAME]")),
            V(26, TOM, "IBANs and card numbers", replace=r(
                "email address, phone number", "email address, phone number, IBAN, card number",
                "[PHONE] or [NAME]", "[PHONE], [IBAN], [CARD] or [NAME]")),
        ),
    ),
    # ------------------------------------------------------------------ marketing & product
    DemoPrompt(
        "Product description writer", "Shop product descriptions from attributes.",
        ("marketing", "ecommerce"),
        (
            V(121, AMARA, "First version", text=(
                "Write a product description for {{ name }}.\n"
                "{% for k, v in attributes.items() %}{{ k }}: {{ v }}\n{% endfor %}"
                "About 80 words, for the product page.")),
            V(78, AMARA, "Brand voice", append=(
                "\nVoice: {{ brand_voice | default('friendly and practical') }}. No superlatives "
                "we cannot prove.")),
            V(31, DIEGO, "SEO keywords, once each", append=(
                "\n{% if keywords %}Use each of these once: {{ keywords | join(', ') }}.{% endif %}")),
        ),
        type="jinja2",
    ),
    DemoPrompt(
        "Email subject lines", "Five subject lines for a campaign email.", ("marketing", "email"),
        (
            V(105, MAYA, "First version", text=(
                "Write five subject lines for this email to {{audience}}:\n\n{{email_body}}")),
            V(63, MAYA, "Length limit", append=("\nEach under 50 characters.")),
            V(14, AMARA, "No clickbait", append=(
                "\nNo all-caps words, no fake urgency, no 'RE:' or 'FWD:'.")),
        ),
        release="dev",
    ),
    DemoPrompt(
        "App store review reply", "Replies to public app store reviews.",
        ("support", "marketing", "customer-facing"),
        (
            V(87, MAYA, "First version", text=(
                "Reply to this {{stars}}-star app store review in under 350 characters. Thank "
                "the reviewer, address their point, and do not argue.\n\nReview: {{review}}")),
            V(39, TOM, "Point bug reports to support", append=(
                "\nIf they report a bug, invite them to write to {{support_email}}.")),
        ),
    ),
    DemoPrompt(
        "Onboarding email sequence", "Day 1/3/7 onboarding emails for new workspaces.",
        ("marketing", "email", "onboarding"),
        (
            V(116, AMARA, "First version", text=(
                "Write the day-{{ day }} onboarding email for {{ first_name }}, who signed up "
                "for {{ plan }}.\n"
                "{% if day == 1 %}Welcome them and show the first step.{% elif day == 3 %}"
                "Show one feature they have not used: {{ unused_feature }}.{% else %}Ask how it "
                "is going and offer a call.{% endif %}")),
            V(69, AMARA, "Personalise with the use case", append=(
                "\n{% if use_case %}They told us they want to use it for {{ use_case }}.{% endif %}")),
            V(28, LENA, "One call to action", append=("\nExactly one call to action.")),
        ),
        type="jinja2",
    ),
    DemoPrompt(
        "Changelog tweet", "Short social post for a release.", ("marketing", "social"),
        (
            V(4, SAM, "First draft", text=(
                "Write a post under 260 characters announcing: {{headline}}. Link: {{url}}")),
            V(1.5, SAM, "Hashtag policy", append=("\nAt most one hashtag.")),
        ),
        release="new",
    ),
    # ------------------------------------------------------------------ engineering
    DemoPrompt(
        "Code review assistant", "First-pass review comments on a pull request diff.",
        ("engineering", "code"),
        (
            V(133, TOM, "First version", text=(
                "You review pull requests. Point out bugs, missing tests and unclear names. Be "
                "specific: quote the line."),
              user="Title: {{title}}\n\nDiff:\n{{diff}}"),
            V(98, TOM, "No style nits", append=(
                " Do not comment on formatting; the linter does that.")),
            V(57, SAM, "Severity labels", append=(
                " Prefix each comment with [blocker], [should] or [nit].")),
            V(19, TOM, "Repository conventions", user=(
                "Conventions:\n{{conventions}}\n\nTitle: {{title}}\n\nDiff:\n{{diff}}")),
        ),
        structure="chat", release="staging",
    ),
    DemoPrompt(
        "Commit message writer", "Conventional commit message from a staged diff.",
        ("engineering", "code"),
        (
            V(91, SAM, "First version", text=(
                "Write a commit message for this diff: a subject under 72 characters, a blank "
                "line, then why the change was made.\n\n{{diff}}")),
            V(35, SAM, "Imperative mood", replace=r(
                "a subject under 72 characters",
                "a subject in the imperative mood, under 72 characters")),
        ),
    ),
    DemoPrompt(
        "Incident postmortem drafter", "First draft of a blameless postmortem.",
        ("engineering", "incident"),
        (
            V(108, LENA, "First version", text=(
                "Draft a blameless postmortem for incident {{ incident_id }}.\n"
                "Timeline:\n{% for e in timeline %}{{ e.time }} {{ e.event }}\n{% endfor %}\n"
                "Sections: Summary, Impact, Root cause, What went well, What went wrong, "
                "Action items.")),
            V(61, LENA, "Customer impact numbers", replace=r(
                "Sections: Summary, Impact,",
                "Impact: {{ affected_customers }} customers, {{ duration_minutes }} minutes.\n"
                "Sections: Summary, Impact,")),
            V(22, DIEGO, "Action items with owners", append=(
                "\nEvery action item has an owner and a ticket placeholder (TODO-###).")),
        ),
        type="jinja2",
    ),
    DemoPrompt(
        "Test case generator", "Unit test ideas for a function.", ("engineering", "code", "testing"),
        (
            V(54, PRIYA, "First version", text=(
                "List test cases for the function below: normal cases, edge cases, error "
                "cases. One line each."),
              user="Language: {{ language }}\n\n{{ source }}"),
            V(10, PRIYA, "Write the tests too", append=(
                " Then write them{% if framework %} with {{ framework }}{% endif %}.")),
        ),
        structure="chat", type="jinja2", release="dev",
    ),
    DemoPrompt(
        "Error message rewriter", "Turns internal errors into messages users can act on.",
        ("product", "ux"),
        (
            V(81, SAM, "First version", text=(
                "Rewrite this error for a user of {{product}}: say what happened and what they "
                "can do. No codes, no stack traces.\n\nError: {{error}}")),
            V(37, AMARA, "Keep the support code", append=(
                "\nEnd with (ref {{request_id}}) so support can find it.")),
        ),
    ),
    # ------------------------------------------------------------------ search & knowledge
    DemoPrompt(
        "Search query rewriter", "Rewrites a user search into keyword + filters.",
        ("search",),
        (
            V(113, DIEGO, "First version", text=(
                "Rewrite the shopper's search into keywords and filters as JSON "
                "{\"keywords\": \"...\", \"filters\": {}}.\n\nSearch: {{query}}")),
            V(67, DIEGO, "Price ranges", append=(
                "\nTurn phrases like 'under 50' into {\"price_max\": 50}.")),
            V(16, AMARA, "Spelling fixes", append=(
                "\nFix obvious spelling mistakes in keywords; keep brand names as typed.")),
        ),
        release="staging",
    ),
    DemoPrompt(
        "Help centre answerer", "Answers from retrieved help articles, with citations.",
        ("support", "rag", "customer-facing"),
        (
            V(127, MAYA, "First version", text=(
                "Answer the question using only the articles provided. If they do not contain "
                "the answer, say you don't know."),
              user="{% for a in articles %}[{{ loop.index }}] {{ a.title }}\n{{ a.body }}\n\n"
                   "{% endfor %}Question: {{ question }}"),
            V(84, MAYA, "Cite sources", append=(
                " Cite the articles you used as [1], [2].")),
            V(46, TOM, "Refuse account-specific questions", append=(
                " For questions about a specific account or invoice, ask the user to sign in "
                "and contact support.")),
            V(13, TOM, "Shorter citations", replace=r(
                "Cite the articles you used as [1], [2].",
                "Cite the articles you used as [1], [2] at the end of the sentence they support.")),
        ),
        structure="chat", type="jinja2",
    ),
)
