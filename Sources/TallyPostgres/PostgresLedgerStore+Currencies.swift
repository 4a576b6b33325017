import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    func insertCurrency(_ currency: Currency, _ connection: PostgresConnection) async throws {
        try await lockRealm(connection, currency.realmID)
        let now = currency.createdAtMilliseconds
        if currency.isDefault { try await clearDefault(connection, currency.realmID, now: now) }
        try await run(
            connection,
            """
            INSERT INTO currencies (realm_id, id, name, emoji, custom_emoji_url, metadata, is_default,
                minimum_balance, maximum_balance, transferable, created_at, updated_at)
            VALUES (\(currency.realmID.rawValue), \(currency.id.rawValue), \(currency.name), \(currency.emoji),
                \(currency.customEmojiURL), \(currency.metadata?.text), \(currency.isDefault),
                \(currency.minimumBalance), \(currency.maximumBalance), \(currency.isTransferable), \(now), \(now))
            """)
    }

    func clearDefault(_ connection: PostgresConnection, _ realmID: RealmID, now: Int64) async throws {
        try await run(
            connection,
            """
            UPDATE currencies SET is_default = FALSE, updated_at = \(now)
            WHERE realm_id = \(realmID.rawValue) AND is_default
            """)
    }

    func fetchCurrency(
        _ connection: PostgresConnection, _ id: CurrencyID, in realmID: RealmID, forUpdate: Bool = false
    ) async throws -> Currency? {
        try await first(
            connection,
            """
            SELECT \(unescaped: StoredSchema.currencyColumns) FROM currencies
            WHERE realm_id = \(realmID.rawValue) AND id = \(id.rawValue) \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """
        ).map(Self.currency(from:))
    }

    /// The currency, or `Not Found` (the realm's error first when the realm is missing too).
    public func currency(_ id: CurrencyID, in realmID: RealmID) async throws -> Currency {
        try await transaction("currency", .reading) { connection in
            guard let found = try await fetchCurrency(connection, id, in: realmID) else {
                try await requireRealm(connection, realmID)
                throw TallyError.notFound(id, in: realmID)
            }
            return found
        }
    }

    public func currencies(in realmID: RealmID) async throws -> [Currency] {
        try await transaction("currencies", .reading) { connection in
            try await all(
                connection,
                """
                SELECT \(unescaped: StoredSchema.currencyColumns) FROM currencies WHERE realm_id = \(realmID.rawValue)
                ORDER BY created_at, id
                """
            ).map(Self.currency(from:))
        }
    }

    public func listCurrencies(in realmID: RealmID, query: CurrencyQuery) async throws -> Page<Currency> {
        try await transaction("listCurrencies", .reading) { connection in
            try await requireRealm(connection, realmID)
            var sql = SQLBuilder()
            var conditions = ["realm_id = \(sql.bind(realmID.rawValue))"]
            if let archived = query.archivedFilter {
                conditions.append(archived ? "archived_at IS NOT NULL" : "archived_at IS NULL")
            }
            if let isDefault = query.isDefault {
                conditions.append("is_default = \(sql.bind(isDefault))")
            }
            if let search = query.search, !search.isEmpty {
                conditions.append("name ILIKE \(sql.bind(StoredSchema.likeContains(search))) ESCAPE '\\'")
            }
            let filter = conditions.joined(separator: " AND ")
            var counting = sql
            counting.text = "SELECT count(*) FROM currencies WHERE \(filter)"
            let total = try await count(connection, counting.query)
            sql.text = """
                SELECT \(StoredSchema.currencyColumns) FROM currencies WHERE \(filter)
                ORDER BY \(StoredSchema.order(query, caseless: Self.caseless))
                LIMIT \(sql.bind(Int64(query.page.limit))) OFFSET \(sql.bind(Int64(query.page.offset)))
                """
            let items = try await all(connection, sql.query).map(Self.currency(from:))
            return Page(items: items, total: total, request: query.page)
        }
    }

    /// Locks the realm and the currency, lets `CurrencyEdit` decide, and writes the row it
    /// returns. With the currency row locked, no batch can move a balance between the count of
    /// balances outside new limits and the commit.
    func editCurrency(
        _ id: CurrencyID, in realmID: RealmID, _ edit: CurrencyEdit, _ connection: PostgresConnection, now: Int64
    ) async throws -> Currency {
        try await lockRealm(connection, realmID)
        guard let current = try await fetchCurrency(connection, id, in: realmID, forUpdate: true) else {
            throw TallyError.notFound(id, in: realmID)
        }
        guard let change = try edit.decide(current, now: now) else { return current }
        let currency = change.currency
        if change.checksBalances {
            try change.checkBalancesOutsideLimits(
                try await count(
                    connection,
                    """
                    SELECT count(*) FROM balances WHERE realm_id = \(realmID.rawValue) AND currency_id = \(id.rawValue)
                    AND (balance < \(currency.minimumBalance)
                        OR (\(currency.maximumBalance)::bigint IS NOT NULL AND balance > \(currency.maximumBalance)::bigint))
                    """))
        }
        if change.takesDefault { try await clearDefault(connection, realmID, now: now) }
        try await run(
            connection,
            """
            UPDATE currencies SET name = \(currency.name), emoji = \(currency.emoji),
                custom_emoji_url = \(currency.customEmojiURL), metadata = \(currency.metadata?.text),
                is_default = \(currency.isDefault), archived_at = \(currency.archivedAtMilliseconds),
                minimum_balance = \(currency.minimumBalance), maximum_balance = \(currency.maximumBalance),
                transferable = \(currency.isTransferable), updated_at = \(currency.updatedAtMilliseconds)
            WHERE realm_id = \(realmID.rawValue) AND id = \(id.rawValue)
            """)
        return currency
    }
}
