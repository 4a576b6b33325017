/// A row a store fetched, read by column name; each store's driver row conforms. What a record's
/// columns mean is worded here once, for the column lists of `StoredSchema`, so the stores only
/// say how their driver reads a text, an integer, a boolean or bytes.
public protocol StoredRow {
    /// The text in `column`.
    func text(_ column: String) throws -> String
    /// The text in `column`, nil for NULL.
    func optionalText(_ column: String) throws -> String?
    /// The integer in `column`.
    func integer(_ column: String) throws -> Int64
    /// The integer in `column`, nil for NULL.
    func optionalInteger(_ column: String) throws -> Int64?
    /// The boolean in `column`.
    func boolean(_ column: String) throws -> Bool
    /// The bytes in `column`.
    func bytes(_ column: String) throws -> [UInt8]
}

extension Realm {
    /// A realm from the columns `StoredSchema.realmColumns` lists.
    public init(stored row: some StoredRow) throws {
        self.init(
            id: RealmID(canonical: try row.text("id")), name: try row.text("name"),
            description: try row.text("description"), subdomain: try row.optionalText("subdomain"),
            createdAtMilliseconds: try row.integer("created_at"), updatedAtMilliseconds: try row.integer("updated_at"),
            publicLeaderboard: try row.boolean("public_leaderboard"))
    }
}

extension ActivityHour {
    /// An hour of activity from the columns `StoredStatements.activity` reads.
    public init(stored row: some StoredRow) throws {
        self.init(
            hourStart: try row.integer("hour_start"), currencyID: CurrencyID(canonical: try row.text("currency_id")),
            changes: try row.integer("changes"), credited: try row.integer("credited"),
            debited: try row.integer("debited"))
    }
}

extension Currency {
    /// A currency from the columns `StoredSchema.currencyColumns` lists.
    public init(stored row: some StoredRow) throws {
        self.init(
            id: CurrencyID(canonical: try row.text("id")), realmID: RealmID(canonical: try row.text("realm_id")),
            name: try row.text("name"), emoji: try row.optionalText("emoji"),
            customEmojiURL: try row.optionalText("custom_emoji_url"),
            metadata: StoredSchema.json(try row.optionalText("metadata")), isDefault: try row.boolean("is_default"),
            archivedAtMilliseconds: try row.optionalInteger("archived_at"),
            minimumBalance: try row.integer("minimum_balance"),
            maximumBalance: try row.optionalInteger("maximum_balance"),
            isTransferable: try row.boolean("transferable"), createdAtMilliseconds: try row.integer("created_at"),
            updatedAtMilliseconds: try row.integer("updated_at"))
    }
}

extension Member {
    /// A member from the columns `StoredSchema.memberColumns` lists.
    public init(stored row: some StoredRow) throws {
        self.init(
            id: MemberID(canonical: try row.text("id")), realmID: RealmID(canonical: try row.text("realm_id")),
            credentials: Credentials(
                username: try row.optionalText("username"), discordId: try row.optionalText("discord_id"),
                twitterId: try row.optionalText("twitter_id"), wallet: try row.optionalText("wallet"),
                email: try row.optionalText("email"), walletChain: try row.optionalText("wallet_chain"),
                walletName: try row.optionalText("wallet_name")),
            metadata: StoredSchema.json(try row.optionalText("metadata")),
            createdAtMilliseconds: try row.integer("created_at"), updatedAtMilliseconds: try row.integer("updated_at"))
    }
}

extension JournalEntry {
    /// An entry from the columns `StoredSchema.journalColumns` lists. A kind this version does not
    /// know reads as `batch`.
    public init(stored row: some StoredRow) throws {
        self.init(
            id: JournalEntryID(canonical: try row.text("id")), sequence: try row.integer("seq"),
            realmID: RealmID(canonical: try row.text("realm_id")),
            memberID: MemberID(canonical: try row.text("member_id")),
            currencyID: CurrencyID(canonical: try row.text("currency_id")), amount: try row.integer("amount"),
            balanceBefore: try row.integer("balance_before"), balanceAfter: try row.integer("balance_after"),
            batchID: BatchID(canonical: try row.text("batch_id")), initiatorID: try row.optionalText("initiator_id"),
            kind: EntryKind(rawValue: try row.text("kind")) ?? .batch,
            createdAtMilliseconds: try row.integer("created_at"))
    }
}

extension APIKey {
    /// A key from the columns `StoredSchema.keyColumns` lists.
    public init(stored row: some StoredRow) throws {
        self.init(
            id: KeyID(canonical: try row.text("id")),
            realmID: try row.optionalText("realm_id").map(RealmID.init(canonical:)), name: try row.optionalText("name"),
            scopes: StoredSchema.scopes(text: try row.text("scopes")), secretHash: try row.bytes("secret_hash"),
            createdAtMilliseconds: try row.integer("created_at"),
            revokedAtMilliseconds: try row.optionalInteger("revoked_at"))
    }
}

extension LeaderboardRanking.Row {
    /// A row of `StoredStatements.leaderboard`: the member's columns and its `balance`.
    public init(stored row: some StoredRow) throws {
        self.init(member: try Member(stored: row), balance: try row.integer("balance"))
    }
}

extension MemberDetails {
    /// Each member, in the order given, with its balances from the rows of
    /// `StoredStatements.heldBalances`, in the order fetched.
    public static func joining(_ members: [Member], heldBalances rows: [some StoredRow]) throws -> [MemberDetails] {
        try joining(
            members,
            balances: rows.map {
                (try $0.text("balance_member_id"), try HeldBalance(stored: $0))
            })
    }
}

extension HeldBalance {
    /// One row of `StoredStatements.heldBalances`.
    public init(stored row: some StoredRow) throws {
        self.init(currency: try Currency(stored: row), balance: try row.integer("balance"))
    }
}

extension Event {
    /// An event from the columns `StoredSchema.eventColumns` lists. A type this Tally does not
    /// know (written by a newer one) is a storage failure.
    public init(stored row: some StoredRow) throws {
        guard let type = EventType(rawValue: try row.text("type")) else { throw TallyError.unavailable }
        self.init(
            realmID: RealmID(canonical: try row.text("realm_id")), sequence: try row.integer("seq"),
            id: EventID(canonical: try row.text("id")), type: type,
            data: StoredSchema.json(try row.text("data")) ?? .null, createdAtMilliseconds: try row.integer("created_at")
        )
    }
}

extension Webhook {
    /// A subscription from the columns `StoredSchema.webhookColumns` lists.
    public init(stored row: some StoredRow) throws {
        let types = try row.optionalText("types").map { text in
            Set(text.split(separator: ",").compactMap { EventType(rawValue: String($0)) })
        }
        self.init(
            id: WebhookID(canonical: try row.text("id")), realmID: RealmID(canonical: try row.text("realm_id")),
            url: try row.text("url"), types: types, enabled: try row.boolean("enabled"),
            secret: WebhookSecret(stored: try row.text("secret")),
            deliveredThrough: try row.integer("delivered_through"), attempts: Int(try row.integer("attempts")),
            nextAttemptAtMilliseconds: try row.integer("next_attempt_at"),
            lastFailedSeq: try row.optionalInteger("last_failed_seq"),
            createdAtMilliseconds: try row.integer("created_at"), updatedAtMilliseconds: try row.integer("updated_at"))
    }
}

extension DeliveryAttempt {
    /// An attempt from the columns `StoredSchema.deliveryAttemptColumns` lists.
    public init(stored row: some StoredRow) throws {
        guard let outcome = Outcome(rawValue: try row.text("outcome")) else { throw TallyError.unavailable }
        self.init(
            id: DeliveryAttemptID(canonical: try row.text("id")),
            webhookID: WebhookID(canonical: try row.text("webhook_id")), eventSeq: try row.integer("event_seq"),
            eventID: EventID(canonical: try row.text("event_id")), attempt: Int(try row.integer("attempt")),
            outcome: outcome, statusCode: try row.optionalInteger("status_code").map { Int($0) },
            error: try row.optionalText("error"), durationMilliseconds: try row.integer("duration_ms"),
            attemptedAtMilliseconds: try row.integer("attempted_at"))
    }
}
