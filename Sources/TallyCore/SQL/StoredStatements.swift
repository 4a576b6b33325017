/// The statements whose text is the same on every engine but for its `SQLDialect`, each with its
/// values bound: a store runs them and decodes the rows (`StoredRow`). What stays in a store is
/// SQL the engines need worded differently: a batch's reads and writes, bulk imports, the
/// idempotency records, the locks PostgreSQL takes, verify's journal walk and the migrations.
public struct StoredStatements: Sendable {
    /// The engine's wording.
    public let dialect: SQLDialect

    /// The statements in `dialect`.
    public init(_ dialect: SQLDialect) { self.dialect = dialect }

    func statement() -> SQLStatement { SQLStatement(dialect) }

    /// A count of the rows a list matches, and one page of them (its values bound in both).
    public struct PageStatements: Sendable {
        /// `SELECT count(*)` of every matching row.
        public let count: SQLStatement
        /// The page's rows, in the list's order.
        public let rows: SQLStatement
        /// The page asked for.
        public let request: PageRequest
    }

    /// The page of `table`'s rows `filter` keeps (its values bound in `bound`), in `order`.
    private func page(
        of table: String, _ columns: String, filter: String, order: String, _ request: PageRequest,
        _ bound: SQLStatement
    ) -> PageStatements {
        var count = bound
        count.text = "SELECT count(*) FROM \(table) WHERE \(filter)"
        var rows = bound
        rows.text = """
            SELECT \(columns) FROM \(table) WHERE \(filter) ORDER BY \(order)
            LIMIT \(rows.bind(Int64(request.limit))) OFFSET \(rows.bind(Int64(request.offset)))
            """
        return PageStatements(count: count, rows: rows, request: request)
    }

    // MARK: Realms

    /// Inserts the realm; a taken subdomain fails as a unique violation.
    public func insert(_ realm: Realm) -> SQLStatement {
        SQLStatement(
            dialect, insertInto: "realms",
            [
                "id": .text(realm.id.rawValue), "name": .text(realm.name), "description": .text(realm.description),
                "subdomain": .text(realm.subdomain), "created_at": .integer(realm.createdAtMilliseconds),
                "updated_at": .integer(realm.updatedAtMilliseconds),
                "public_leaderboard": .boolean(realm.publicLeaderboard),
            ])
    }

    /// Switches the realm's public leaderboard on or off; changes no row when the realm is
    /// missing.
    public func setPublicLeaderboard(_ on: Bool, realm realmID: RealmID, now: Int64) -> SQLStatement {
        var sql = statement()
        sql.text = """
            UPDATE realms SET public_leaderboard = \(sql.bind(on)), updated_at = \(sql.bind(now))
            WHERE id = \(sql.bind(realmID.rawValue))
            """
        return sql
    }

    /// The realm with `id`.
    public func realm(_ id: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = "SELECT \(StoredSchema.realmColumns) FROM realms WHERE id = \(sql.bind(id.rawValue))"
        return sql
    }

    /// Every realm, oldest first.
    public func realms() -> SQLStatement {
        SQLStatement(dialect, "SELECT \(StoredSchema.realmColumns) FROM realms ORDER BY created_at, id")
    }

    // MARK: Currencies

    /// Inserts the currency as created (its update time is its creation time).
    public func insert(_ currency: Currency) -> SQLStatement {
        SQLStatement(
            dialect, insertInto: "currencies",
            [
                "realm_id": .text(currency.realmID.rawValue), "id": .text(currency.id.rawValue),
                "name": .text(currency.name), "emoji": .text(currency.emoji),
                "custom_emoji_url": .text(currency.customEmojiURL), "metadata": .text(currency.metadata?.text),
                "is_default": .boolean(currency.isDefault), "minimum_balance": .integer(currency.minimumBalance),
                "maximum_balance": .integer(currency.maximumBalance), "transferable": .boolean(currency.isTransferable),
                "archived_at": .integer(currency.archivedAtMilliseconds),
                "created_at": .integer(currency.createdAtMilliseconds),
                "updated_at": .integer(currency.updatedAtMilliseconds),
            ])
    }

    /// Writes every editable column of the currency, as `CurrencyEdit` decided it.
    public func update(_ currency: Currency) -> SQLStatement {
        SQLStatement(
            dialect, update: "currencies",
            set: [
                "name": .text(currency.name), "emoji": .text(currency.emoji),
                "custom_emoji_url": .text(currency.customEmojiURL), "metadata": .text(currency.metadata?.text),
                "is_default": .boolean(currency.isDefault), "archived_at": .integer(currency.archivedAtMilliseconds),
                "minimum_balance": .integer(currency.minimumBalance),
                "maximum_balance": .integer(currency.maximumBalance), "transferable": .boolean(currency.isTransferable),
                "updated_at": .integer(currency.updatedAtMilliseconds),
            ],
            where: ["realm_id": .text(currency.realmID.rawValue), "id": .text(currency.id.rawValue)])
    }

    /// Takes the default away from the realm's default currency, before another one takes it.
    public func clearDefault(in realmID: RealmID, now: Int64) -> SQLStatement {
        var sql = statement()
        sql.text = """
            UPDATE currencies SET is_default = \(sql.bind(false)), updated_at = \(sql.bind(now))
            WHERE realm_id = \(sql.bind(realmID.rawValue)) AND \(dialect.isTrue("is_default"))
            """
        return sql
    }

    /// The currency with `id` in the realm.
    public func currency(_ id: CurrencyID, in realmID: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = """
            SELECT \(StoredSchema.currencyColumns) FROM currencies
            WHERE realm_id = \(sql.bind(realmID.rawValue)) AND id = \(sql.bind(id.rawValue))
            """
        return sql
    }

    /// The realm's default currency.
    public func defaultCurrency(in realmID: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = """
            SELECT \(StoredSchema.currencyColumns) FROM currencies
            WHERE realm_id = \(sql.bind(realmID.rawValue)) AND \(dialect.isTrue("is_default"))
            """
        return sql
    }

    /// Every currency of the realm, oldest first.
    public func currencies(in realmID: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = """
            SELECT \(StoredSchema.currencyColumns) FROM currencies WHERE realm_id = \(sql.bind(realmID.rawValue))
            ORDER BY created_at, id
            """
        return sql
    }

    /// The page of the realm's currencies `query` asks for.
    public func currencies(in realmID: RealmID, _ query: CurrencyQuery) -> PageStatements {
        var sql = statement()
        var conditions = ["realm_id = \(sql.bind(realmID.rawValue))"]
        if let archived = query.archivedFilter {
            conditions.append(archived ? "archived_at IS NOT NULL" : "archived_at IS NULL")
        }
        if let isDefault = query.isDefault { conditions.append("is_default = \(sql.bind(isDefault))") }
        if let search = query.search, !search.isEmpty {
            let pattern = sql.bind(StoredSchema.likeContains(search))
            conditions.append("name \(dialect.caselessLike) \(pattern) ESCAPE '\\'")
        }
        return page(
            of: "currencies", StoredSchema.currencyColumns, filter: conditions.joined(separator: " AND "),
            order: StoredSchema.order(query, caseless: dialect.caseless), query.page, sql)
    }

    /// How many of the currency's balances lie outside its floor and ceiling (`currency` holds
    /// the new ones; no ceiling when nil).
    public func balancesOutsideLimits(of currency: Currency) -> SQLStatement {
        var sql = statement()
        let maximum = sql.bind(currency.maximumBalance)
        sql.text = """
            SELECT count(*) FROM balances
            WHERE realm_id = \(sql.bind(currency.realmID.rawValue)) AND currency_id = \(sql.bind(currency.id.rawValue))
            AND (balance < \(sql.bind(currency.minimumBalance))
                OR (CAST(\(maximum) AS BIGINT) IS NOT NULL AND balance > CAST(\(maximum) AS BIGINT)))
            """
        return sql
    }

    // MARK: Members

    /// Inserts the member with the match keys of its wallet and email; a credential the realm
    /// already holds (by `StoredSchema.matchColumn`) fails as a unique violation.
    public func insert(_ member: Member) -> SQLStatement {
        let credentials = member.credentials
        return SQLStatement(
            dialect, insertInto: "members",
            [
                "realm_id": .text(member.realmID.rawValue), "id": .text(member.id.rawValue),
                "username": .text(credentials.username), "discord_id": .text(credentials.discordId),
                "twitter_id": .text(credentials.twitterId), "wallet": .text(credentials.wallet),
                "email": .text(credentials.email), "wallet_key": .text(credentials.matchKey(.wallet)),
                "email_key": .text(credentials.matchKey(.email)), "wallet_chain": .text(credentials.walletChain),
                "wallet_name": .text(credentials.walletName), "metadata": .text(member.metadata?.text),
                "created_at": .integer(member.createdAtMilliseconds),
                "updated_at": .integer(member.updatedAtMilliseconds),
            ])
    }

    /// The member with `id` in the realm.
    public func member(_ id: MemberID, in realmID: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = """
            SELECT \(StoredSchema.memberColumns) FROM members
            WHERE realm_id = \(sql.bind(realmID.rawValue)) AND id = \(sql.bind(id.rawValue)) AND \(isFalse("ghost"))
            """
        return sql
    }

    /// The page of the realm's members `query` asks for. The search matches username or email
    /// ignoring case, on both engines alike.
    public func members(in realmID: RealmID, _ query: MemberQuery) -> PageStatements {
        var sql = statement()
        var filter = "realm_id = \(sql.bind(realmID.rawValue)) AND \(isFalse("ghost"))"
        if let search = query.search, !search.isEmpty {
            let (pattern, like) = (sql.bind(StoredSchema.likeContains(search)), dialect.caselessLike)
            filter += " AND (username \(like) \(pattern) ESCAPE '\\' OR email \(like) \(pattern) ESCAPE '\\')"
        }
        return page(
            of: "members", StoredSchema.memberColumns, filter: filter,
            order: StoredSchema.order(query, caseless: dialect.caseless), query.page, sql)
    }

    /// The page, in id order, of the realm's members whose `kind` matches one of `values` (by
    /// `StoredSchema.matchColumn`, as `SearchKind.stored` words them); nil when no value is given,
    /// since none can match.
    public func members(in realmID: RealmID, matching kind: SearchKind, _ values: [String], _ request: PageRequest)
        -> PageStatements?
    {
        let wanted = Set(values.map(kind.stored))
        guard !wanted.isEmpty else { return nil }
        var sql = statement()
        let filter =
            "realm_id = \(sql.bind(realmID.rawValue)) AND \(isFalse("ghost")) AND \(StoredSchema.matchColumn(kind)) IN (\(sql.bind(list: wanted)))"
        return page(of: "members", StoredSchema.memberColumns, filter: filter, order: "id", request, sql)
    }

    /// The balances `members` hold, with their currencies, oldest currency first: one query for
    /// a page of members. Rows read with `MemberDetails.joining(_:heldBalances:)`.
    public func heldBalances(of members: [Member], in realmID: RealmID) -> SQLStatement {
        heldBalances(ofIDs: members.map(\.id), in: realmID)
    }

    /// The id of the first member (in id order) whose `kind` matches `value` (as `SearchKind.stored`
    /// words it), in the realm or, for nil, in any realm.
    public func account(_ kind: SearchKind, _ value: String, in realmID: RealmID?) -> SQLStatement {
        var sql = statement()
        var filter = "\(StoredSchema.matchColumn(kind)) = \(sql.bind(kind.stored(value))) AND \(isFalse("ghost"))"
        if let realmID { filter = "realm_id = \(sql.bind(realmID.rawValue)) AND \(filter)" }
        sql.text = "SELECT id FROM members WHERE \(filter) ORDER BY id LIMIT 1"
        return sql
    }

    /// Replaces the member's metadata; returns a row only when the member exists.
    public func setMetadata(_ metadata: JSONValue, of member: MemberID, in realmID: RealmID, now: Int64) -> SQLStatement
    {
        var sql = statement()
        sql.text = """
            UPDATE members SET metadata = \(sql.bind(metadata.text)), updated_at = \(sql.bind(now))
            WHERE realm_id = \(sql.bind(realmID.rawValue)) AND id = \(sql.bind(member.rawValue)) AND \(isFalse("ghost"))
            RETURNING 1
            """
        return sql
    }

    // MARK: Balances, journal, leaderboard

    /// The balance of `key` (no row: 0).
    public func balance(_ key: BalanceKey, in realmID: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = """
            SELECT balance FROM balances WHERE realm_id = \(sql.bind(realmID.rawValue))
            AND currency_id = \(sql.bind(key.currencyID.rawValue)) AND member_id = \(sql.bind(key.memberID.rawValue))
            """
        return sql
    }

    /// The member's entries before sequence `before` (all when nil), newest first,
    /// `JournalPage.rowsToFetch(limit:)` of them.
    public func journal(of member: MemberID, in realmID: RealmID, before: Int64?, limit: Int) -> SQLStatement {
        var sql = statement()
        // Through the dialect's member index when it has one (its rows name the entries), else
        // through the journal's own (realm_id, member_id, seq) index.
        let (from, key) =
            dialect.memberIndex.map { ("\($0) x JOIN journal j ON j.seq = x.seq", "x") } ?? ("journal j", "j")
        sql.text = """
            SELECT \(StoredSchema.qualified(StoredSchema.journalColumns, "j")) FROM \(from)
            WHERE \(key).realm_id = \(sql.bind(realmID.rawValue)) AND \(key).member_id = \(sql.bind(member.rawValue))
            """
        if let before { sql.text += " AND \(key).seq < \(sql.bind(before))" }
        sql.text += " ORDER BY \(key).seq DESC LIMIT \(sql.bind(Int64(JournalPage.rowsToFetch(limit: limit))))"
        return sql
    }

    /// The leaderboard's rows after `cursor`, highest balance first and ties by member id,
    /// `LeaderboardRanking.rowsToFetch(take:)` of them; read with `LeaderboardRanking.Row(stored:)`.
    public func leaderboard(
        in realmID: RealmID, currency currencyID: CurrencyID, after cursor: LeaderboardCursor?, take: Int
    ) -> SQLStatement {
        var sql = statement()
        sql.text = """
            SELECT b.balance, \(StoredSchema.qualified(StoredSchema.memberColumns, "m"))
            FROM balances b JOIN members m ON m.realm_id = b.realm_id AND m.id = b.member_id
            WHERE b.realm_id = \(sql.bind(realmID.rawValue)) AND b.currency_id = \(sql.bind(currencyID.rawValue))
            AND \(isFalse("m.ghost"))
            """
        if let cursor {
            let (balance, member) = (sql.bind(cursor.balance), sql.bind(cursor.memberID.rawValue))
            sql.text += " AND (b.balance < \(balance) OR (b.balance = \(balance) AND b.member_id > \(member)))"
        }
        let fetched = Int64(LeaderboardRanking.rowsToFetch(take: take))
        sql.text += " ORDER BY b.balance DESC, b.member_id ASC LIMIT \(sql.bind(fetched))"
        return sql
    }

    /// How many balances the currency has (`total`), and how many are greater than `anchor`
    /// (`greater`) and at least `anchor` (`greater_or_equal`); with no anchor (an empty page),
    /// none are. Reads the kept total and the index range above the anchor: no count of the
    /// whole leaderboard, so a first page costs the same at any size.
    public func leaderboardCounts(in realmID: RealmID, currency currencyID: CurrencyID, around anchor: Int64?)
        -> SQLStatement
    {
        var sql = statement()
        let (anchor, realm, currency) = (sql.bind(anchor), sql.bind(realmID.rawValue), sql.bind(currencyID.rawValue))
        // Every balance of the currency (the count each store keeps in `holder_counts`) and those
        // at or above the anchor (a range of the leaderboard's index, as long as the anchor's
        // rank), less those of ghost credentials' holders (few, from their partial index).
        sql.text = """
            WITH everyone AS (
                SELECT \(dialect.cappedSum("holders")) AS total FROM holder_counts
                WHERE realm_id = \(realm) AND currency_id = \(currency)
            ), above AS (
                SELECT count(*) FILTER (WHERE balance > \(anchor)) AS greater, count(*) AS greater_or_equal
                FROM balances WHERE realm_id = \(realm) AND currency_id = \(currency) AND balance >= \(anchor)
            ), ghosts AS (
                SELECT count(*) AS total, count(*) FILTER (WHERE b.balance > \(anchor)) AS greater,
                    count(*) FILTER (WHERE b.balance >= \(anchor)) AS greater_or_equal
                FROM members m\(dialect.ghostsIndex) JOIN balances b
                    ON b.realm_id = m.realm_id AND b.currency_id = \(currency) AND b.member_id = m.id
                WHERE m.realm_id = \(realm) AND \(dialect.isTrue("m.ghost"))
            )
            SELECT e.total - g.total AS total, a.greater - g.greater AS greater,
                a.greater_or_equal - g.greater_or_equal AS greater_or_equal
            FROM everyone e, above a, ghosts g
            """
        return sql
    }

    // MARK: Overview

    /// The realm's member count, from `realm_counts` (one row per realm, or per realm and
    /// writer slot on PostgreSQL); no row when it never had a member.
    public func memberCount(in realmID: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = """
            SELECT \(dialect.cappedSum("members")) AS members FROM realm_counts
            WHERE realm_id = \(sql.bind(realmID.rawValue))
            """
        return sql
    }

    /// The realm's activity per hour and currency from the hour `since` begins (milliseconds),
    /// oldest first: `hour_start`, `currency_id`, `changes`, `credited`, `debited`.
    public func activity(in realmID: RealmID, since: Int64) -> SQLStatement {
        var sql = statement()
        let hour = sql.bind(ActivityHour.start(of: since) / ActivityHour.length)
        sql.text = """
            SELECT hour * \(ActivityHour.length) AS hour_start, currency_id, \(dialect.cappedSum("changes")) AS changes,
                \(dialect.cappedSum("credited")) AS credited, \(dialect.cappedSum("debited")) AS debited
            FROM activity WHERE realm_id = \(sql.bind(realmID.rawValue)) AND hour >= \(hour)
            GROUP BY hour, currency_id ORDER BY hour, currency_id
            """
        return sql
    }

    // MARK: Keys

    /// Inserts the key (only its secret's hash).
    /// Inserts a journal entry as given (a load); the store numbers it after every entry it holds.
    public func insert(_ entry: JournalEntry) -> SQLStatement {
        SQLStatement(
            dialect, insertInto: "journal",
            [
                "id": .text(entry.id.rawValue), "realm_id": .text(entry.realmID.rawValue),
                "member_id": .text(entry.memberID.rawValue), "currency_id": .text(entry.currencyID.rawValue),
                "amount": .integer(entry.amount), "balance_before": .integer(entry.balanceBefore),
                "balance_after": .integer(entry.balanceAfter), "batch_id": .text(entry.batchID.rawValue),
                "initiator_id": .text(entry.initiatorID), "kind": .text(entry.kind.rawValue),
                "created_at": .integer(entry.createdAtMilliseconds),
            ])
    }

    /// Inserts the balance holder of a deleted ghost credential (a load).
    public func insert(_ holder: BalanceHolder) -> SQLStatement {
        SQLStatement(
            dialect, insertInto: "members",
            [
                "realm_id": .text(holder.realmID.rawValue), "id": .text(holder.id.rawValue), "ghost": .boolean(true),
                "created_at": .integer(holder.createdAtMilliseconds),
                "updated_at": .integer(holder.createdAtMilliseconds),
            ])
    }

    /// Inserts a balance as given (a load).
    public func insert(_ balance: StoredBalance) -> SQLStatement {
        SQLStatement(
            dialect, insertInto: "balances",
            [
                "realm_id": .text(balance.realmID.rawValue), "currency_id": .text(balance.currencyID.rawValue),
                "member_id": .text(balance.memberID.rawValue), "balance": .integer(balance.balance),
                "updated_at": .integer(balance.updatedAtMilliseconds),
            ])
    }

    public func insert(_ key: APIKey) -> SQLStatement {
        SQLStatement(
            dialect, insertInto: "api_keys",
            [
                "id": .text(key.id.rawValue), "realm_id": .text(key.realmID?.rawValue), "name": .text(key.name),
                "scopes": .text(StoredSchema.scopesText(key.scopes)), "secret_hash": .bytes(key.secretHash),
                "created_at": .integer(key.createdAtMilliseconds), "revoked_at": .integer(key.revokedAtMilliseconds),
            ])
    }

    /// The key with `id`.
    public func key(_ id: KeyID) -> SQLStatement {
        var sql = statement()
        sql.text = "SELECT \(StoredSchema.keyColumns) FROM api_keys WHERE id = \(sql.bind(id.rawValue))"
        return sql
    }

    /// The realm's keys, or every key for nil, oldest first.
    public func keys(in realmID: RealmID?) -> SQLStatement {
        var sql = statement()
        let filter = realmID.map { "WHERE realm_id = \(sql.bind($0.rawValue)) " } ?? ""
        sql.text = "SELECT \(StoredSchema.keyColumns) FROM api_keys \(filter)ORDER BY created_at, id"
        return sql
    }

    /// Marks the key revoked at `now`, unless it already is (the first time stays).
    public func revoke(_ id: KeyID, now: Int64) -> SQLStatement {
        var sql = statement()
        sql.text =
            "UPDATE api_keys SET revoked_at = \(sql.bind(now)) WHERE id = \(sql.bind(id.rawValue)) AND revoked_at IS NULL"
        return sql
    }

    // MARK: Events

    /// Takes `count` sequence numbers of the realm's feed and returns the last one taken: the
    /// write's events are numbered `last - count + 1 ... last`. Run inside the write's
    /// transaction; on PostgreSQL the counter's row stays locked until the commit, so a realm's
    /// events commit in sequence order (docs/SCALING.md).
    public func takeEventSequences(_ count: Int, in realmID: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = """
            INSERT INTO event_sequences (realm_id, last_seq) VALUES (\(sql.bind(realmID.rawValue)), \(sql.bind(Int64(count))))
            ON CONFLICT (realm_id) DO UPDATE SET last_seq = event_sequences.last_seq + excluded.last_seq
            RETURNING last_seq
            """
        return sql
    }

    /// Inserts the events, all in one statement.
    public func insert(_ events: [Event]) -> SQLStatement {
        var sql = statement()
        let rows = events.map { event in
            let values = [
                sql.bind(event.realmID.rawValue), sql.bind(event.sequence), sql.bind(event.id.rawValue),
                sql.bind(event.type.rawValue), sql.bind(event.data.text), sql.bind(event.createdAtMilliseconds),
            ]
            return "(\(values.joined(separator: ", ")))"
        }
        sql.text = "INSERT INTO events (\(StoredSchema.eventColumns)) VALUES \(rows.joined(separator: ", "))"
        return sql
    }

    /// Up to `limit` of the realm's events after sequence `after`, in sequence order; only those
    /// of `types` when given.
    public func events(in realmID: RealmID, after: Int64, limit: Int, types: [EventType]?) -> SQLStatement {
        var sql = statement()
        let realm = sql.bind(realmID.rawValue)
        let from = sql.bind(after)
        let filter = types.map { " AND type IN (\(sql.bind(list: $0.map(\.rawValue))))" } ?? ""
        sql.text = """
            SELECT \(StoredSchema.eventColumns) FROM events
            WHERE realm_id = \(realm) AND seq > \(from)\(filter)
            ORDER BY seq LIMIT \(sql.bind(Int64(limit)))
            """
        return sql
    }
}
