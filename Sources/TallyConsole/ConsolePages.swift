import Foundation
import TallyCore

/// The console's pages, rendered on the server from the store's records (docs/CONSOLE.md). Plain
/// Swift, no template engine: every page is `Markup`, so everything a user wrote is escaped by
/// construction, and nothing is added to the build. No script, no request to another host: one
/// stylesheet, served by Tally.
public enum ConsolePages {
    /// Rows on a leaderboard or journal page, and search results shown.
    public static let pageSize = 50

    /// The page frame: the realm's menu when signed in, and the sign-out form with its token.
    public static func layout(title: String, signedIn: SignedIn?, _ body: Markup) -> Markup {
        let menu: Markup
        if let signedIn {
            menu = """
                <nav><a href="/console/overview">Overview</a><a href="/console/leaderboard">Leaderboard</a><a href="/console/members">Members</a>\
                <a href="/console/currencies">Currencies</a><a href="/console/keys">API keys</a>\
                <form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="\(signedIn.csrfToken)">\
                <button type="submit">Sign out</button></form></nav>
                <p class="realm">Realm \(signedIn.realmName) <code>\(signedIn.realmID.rawValue)</code></p>
                """
        } else {
            menu = ""
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Tally</title>
            <link rel="stylesheet" href="/console/style.css">
            </head><body>
            <header><h1><a href="/console">Tally</a></h1>\(menu)</header>
            <main>
            \(body)
            </main>
            </body></html>
            """
    }

    /// Who is signed in, as the pages show it.
    public struct SignedIn: Sendable {
        public let realmID: RealmID
        public let realmName: String
        public let csrfToken: String

        public init(realmID: RealmID, realmName: String, csrfToken: String) {
            self.realmID = realmID
            self.realmName = realmName
            self.csrfToken = csrfToken
        }
    }

    /// The sign-in form, with the reason the last attempt failed.
    public static func signIn(problem: String?) -> Markup {
        let problemLine: Markup = problem.map { "<p class=\"problem\" role=\"alert\">\($0)</p>" } ?? ""
        return layout(
            title: "Sign in", signedIn: nil,
            """
            <h2>Sign in</h2>
            <p>Paste an API key of your realm with the <code>members:read</code> scope. The key is sent once; \
            the browser keeps only a session cookie.</p>
            \(problemLine)
            <form method="post" action="/console/sign-in" class="sign-in">
            <label for="key">API key</label>
            <input id="key" name="key" type="password" autocomplete="off" required>
            <button type="submit">Sign in</button>
            </form>
            """)
    }

    /// A leaderboard page of `currency`, with links to the realm's other currencies and the next page.
    public static func leaderboard(
        _ page: LeaderboardPage, currency: Currency?, currencies: [Currency], next: String?, signedIn: SignedIn
    ) -> Markup {
        let (tabs, rows, more) = leaderboardParts(
            page, currency: currency, currencies: currencies, next: next, at: "/console/leaderboard"
        ) { entry in
            "<a href=\"/console/members/\(entry.member.id.rawValue)\">\(entry.member.credentials.username ?? entry.member.id.rawValue)</a>"
        }
        return layout(
            title: "Leaderboard", signedIn: signedIn,
            """
            <h2>Leaderboard\(currency.map { c in Markup(": \(c.name)") } ?? "")</h2>
            <p class="tabs">\(tabs)</p>
            <p>\(page.totalCount) members hold a balance.</p>
            <table><thead><tr><th>Rank</th><th>Member</th><th>Balance</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            \(more)
            """)
    }

    /// A leaderboard page's pieces, its links to `path`: a tab per currency not archived, a row
    /// per entry (rank, `member`'s cell, balance), and the link to the next page.
    static func leaderboardParts(
        _ page: LeaderboardPage, currency: Currency?, currencies: [Currency], next: String?, at path: String,
        member: (LeaderboardEntry) -> Markup
    ) -> (tabs: [Markup], rows: [Markup], more: Markup) {
        let tabs: [Markup] = currencies.filter { $0.archivedAtMilliseconds == nil }.map { each in
            let current = each.id == currency?.id
            return
                "<a href=\"\(path)?currency=\(each.id.rawValue)\"\(current ? Markup(" aria-current=\"page\"") : "")>\(each.name)</a>"
        }
        let rows: [Markup] = page.entries.map { entry in
            """
            <tr><td class="number">\(entry.rank)</td><td>\(member(entry))</td>\
            <td class="number">\(entry.balance)</td></tr>
            """
        }
        let more: Markup =
            next.map { cursor in
                "<p><a rel=\"next\" href=\"\(path)?currency=\(currency?.id.rawValue ?? "")&amp;after=\(Markup.queryValue(cursor))\">Next page</a></p>"
            } ?? ""
        return (tabs, rows, more)
    }

    /// The member search form and, after a search, what it found.
    public static func members(
        kind: SearchKind, query: String, found: [MemberDetails]?, signedIn: SignedIn
    ) -> Markup {
        let options: [Markup] = SearchKind.allCases.map { each in
            "<option value=\"\(each.rawValue)\"\(each == kind ? Markup(" selected") : "")>\(each.rawValue)</option>"
        }
        let results: Markup
        if let found {
            if found.isEmpty {
                results = "<p>No member matches.</p>"
            } else {
                let rows: [Markup] = found.map { details in
                    """
                    <tr><td><a href="/console/members/\(details.member.id.rawValue)">\(details.member.credentials.username ?? "(no username)")</a></td>\
                    <td><code>\(details.member.id.rawValue)</code></td>\
                    <td>\(details.balances.map { "\($0.balance) \($0.currency.name)" }.joined(separator: ", "))</td></tr>
                    """
                }
                results = """
                    <table><thead><tr><th>Member</th><th>Id</th><th>Balances</th></tr></thead>
                    <tbody>\(rows)</tbody></table>
                    """
            }
        } else {
            results = ""
        }
        return layout(
            title: "Members", signedIn: signedIn,
            """
            <h2>Find a member</h2>
            <form method="get" action="/console/members" class="search">
            <select name="kind" aria-label="Search by">\(options)</select>
            <input name="q" value="\(query)" aria-label="Value" maxlength="200" required>
            <button type="submit">Search</button>
            </form>
            \(results)
            """)
    }

    /// One member: balances, credentials, metadata and a page of its journal, newest first.
    public static func member(
        _ details: MemberDetails, journal: JournalPage, currencies: [CurrencyID: Currency], signedIn: SignedIn
    ) -> Markup {
        let member = details.member
        let credentials: [Markup] = Credentials.Kind.allCases.compactMap { kind in
            member.credentials[kind].map { "<tr><th>\(kind.rawValue)</th><td>\($0)</td></tr>" }
        }
        let balances: [Markup] = details.balances.map {
            "<tr><td>\($0.currency.name)</td><td class=\"number\">\($0.balance)</td></tr>"
        }
        let entries: [Markup] = journal.entries.map { entry in
            """
            <tr><td>\(Self.time(entry.createdAtMilliseconds))</td>\
            <td>\(currencies[entry.currencyID]?.name ?? entry.currencyID.rawValue)</td>\
            <td class="number">\(entry.amount > 0 ? "+" : "")\(entry.amount)</td>\
            <td class="number">\(entry.balanceAfter)</td><td><code>\(entry.id.rawValue)</code></td></tr>
            """
        }
        let more: Markup =
            journal.nextCursor.map { cursor in
                "<p><a rel=\"next\" href=\"/console/members/\(member.id.rawValue)?before=\(Markup.queryValue(cursor))\">Older entries</a></p>"
            } ?? ""
        return layout(
            title: member.credentials.username ?? member.id.rawValue, signedIn: signedIn,
            """
            <h2>\(member.credentials.username ?? "Member")</h2>
            <p><code>\(member.id.rawValue)</code> · joined \(Self.time(member.createdAtMilliseconds))</p>
            <h3>Balances</h3>
            <table><tbody>\(balances)</tbody></table>
            <h3>Credentials</h3>
            <table><tbody>\(credentials)</tbody></table>
            <h3>Metadata</h3>
            <pre>\(member.metadata?.text ?? "none")</pre>
            <h3>Journal</h3>
            <table><thead><tr><th>Time (UTC)</th><th>Currency</th><th>Change</th><th>Balance after</th><th>Entry</th></tr></thead>
            <tbody>\(entries)</tbody></table>
            \(more)
            """)
    }

    /// The realm's currencies.
    public static func currencies(_ currencies: [Currency], signedIn: SignedIn) -> Markup {
        let rows: [Markup] = currencies.map { currency in
            """
            <tr><td>\(currency.name)\(currency.isDefault ? Markup(" <small>default</small>") : "")</td>\
            <td><code>\(currency.id.rawValue)</code></td>\
            <td class="number">\(currency.minimumBalance)</td>\
            <td class="number">\(currency.maximumBalance.map { "\($0)" } ?? "none")</td>\
            <td>\(currency.isTransferable ? "yes" : "no")</td>\
            <td>\(currency.archivedAtMilliseconds.map { Self.time($0) } ?? "")</td></tr>
            """
        }
        return layout(
            title: "Currencies", signedIn: signedIn,
            """
            <h2>Currencies</h2>
            <table><thead><tr><th>Name</th><th>Id</th><th>Minimum</th><th>Maximum</th><th>Transferable</th><th>Archived</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """)
    }

    /// The realm's API keys: names, scopes, when made and revoked; never a secret (none is kept).
    public static func keys(_ keys: [APIKey], signedIn: SignedIn) -> Markup {
        let rows: [Markup] = keys.map { key in
            """
            <tr><td>\(key.name ?? "")</td><td><code>\(key.id.rawValue)</code></td>\
            <td>\(key.scopes.sorted().map(\.rawValue).joined(separator: " "))</td>\
            <td>\(Self.time(key.createdAtMilliseconds))</td>\
            <td>\(key.revokedAtMilliseconds.map { Self.time($0) } ?? "")</td></tr>
            """
        }
        return layout(
            title: "API keys", signedIn: signedIn,
            """
            <h2>API keys</h2>
            <table><thead><tr><th>Name</th><th>Id</th><th>Scopes</th><th>Created (UTC)</th><th>Revoked (UTC)</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """)
    }

    /// The public leaderboard of `realm` (docs/CONSOLE.md): ranks, usernames and balances only;
    /// no member id, no link into the console.
    public static func publicLeaderboard(
        _ page: LeaderboardPage, realm: Realm, currency: Currency?, currencies: [Currency], next: String?
    ) -> Markup {
        let (tabs, rows, more) = leaderboardParts(
            page, currency: currency, currencies: currencies, next: next, at: "/leaderboard/\(realm.id.rawValue)"
        ) { entry in "\(entry.member.credentials.username ?? "(no username)")" }
        return publicLayout(
            title: "\(realm.name) leaderboard",
            """
            <h2>\(realm.name)\(currency.map { c in Markup(": \(c.name)") } ?? "")</h2>
            <p class="tabs">\(tabs)</p>
            <table><thead><tr><th>Rank</th><th>Member</th><th>Balance</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            \(more)
            """)
    }

    /// A public page that says why it cannot show what was asked.
    public static func publicProblem(title: String, _ message: String) -> Markup {
        publicLayout(title: title, "<h2>\(title)</h2><p class=\"problem\">\(message)</p>")
    }

    /// The frame of a public page: no menu, no sign-in.
    static func publicLayout(title: String, _ body: Markup) -> Markup {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title>
        <link rel="stylesheet" href="/console/style.css">
        </head><body>
        <main>
        \(body)
        </main>
        <footer><p class="realm">Leaderboard served by Tally</p></footer>
        </body></html>
        """
    }

    /// A page that says why it cannot show what was asked.
    public static func problem(title: String, _ message: String, signedIn: SignedIn?) -> Markup {
        layout(title: title, signedIn: signedIn, "<h2>\(title)</h2><p class=\"problem\">\(message)</p>")
    }

    /// `milliseconds` since 1970 as `2026-11-30 14:05` (UTC).
    static func time(_ milliseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(c.year ?? 1970)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute))"
    }

    /// The one stylesheet: small, readable at a phone's width and a desktop's.
    public static let stylesheet = """
        :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.4; }
        body { margin: 0 auto; max-width: 60rem; padding: 0 1rem 2rem; }
        header { border-bottom: 1px solid #8884; padding: .5rem 0; }
        header h1 { margin: 0; font-size: 1.4rem; } header h1 a { text-decoration: none; color: inherit; }
        nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: center; margin: .5rem 0; }
        nav form { margin: 0 0 0 auto; }
        .realm { margin: 0; color: #888; font-size: .9rem; overflow-wrap: anywhere; }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; display: block; overflow-x: auto; }
        th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #8883; vertical-align: top; }
        td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
        code { font-size: .85em; overflow-wrap: anywhere; }
        pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #8881; padding: .5rem; }
        .tabs a { margin-right: .75rem; } .tabs a[aria-current] { font-weight: bold; }
        .problem { color: #c33; }
        form.sign-in, form.search { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        input, select, button { font: inherit; padding: .3rem .5rem; }
        input[name=key], input[name=q] { flex: 1 1 16rem; min-width: 0; }
        .figures { display: flex; flex-wrap: wrap; gap: .5rem 2rem; font-size: 1.1rem; }
        figure.chart { margin: .5rem 0 1rem; }
        figure.chart svg { display: block; width: 100%; height: 8rem; border-bottom: 1px solid #8886; }
        figure.chart rect { fill: #3a7bd5; } figure.chart line { stroke: #8886; }
        figure.chart figcaption { display: flex; justify-content: space-between; color: #888; font-size: .8rem; }
        .note { color: #888; font-size: .85rem; }
        footer { border-top: 1px solid #8884; margin-top: 2rem; }
        """
}
