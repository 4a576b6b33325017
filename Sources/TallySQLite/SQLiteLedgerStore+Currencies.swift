import GRDB
import TallyCore

extension SQLiteLedgerStore {
    static func insertCurrency(_ currency: Currency, _ db: Database) throws {
        try requireRealm(db, currency.realmID)
        let now = currency.createdAtMilliseconds
        if currency.isDefault { try clearDefault(db, currency.realmID, now: now) }
        try db.execute(
            sql: """
                INSERT INTO currencies (realm_id, id, name, emoji, custom_emoji_url, metadata, is_default,
                    minimum_balance, maximum_balance, transferable, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                currency.realmID.rawValue, currency.id.rawValue, currency.name, currency.emoji, currency.customEmojiURL,
                currency.metadata?.text, currency.isDefault, currency.minimumBalance, currency.maximumBalance,
                currency.isTransferable, now, now,
            ])
    }

    static func clearDefault(_ db: Database, _ realmID: RealmID, now: Int64) throws {
        try db.execute(
            sql: "UPDATE currencies SET is_default = 0, updated_at = ? WHERE realm_id = ? AND is_default = 1",
            arguments: [now, realmID.rawValue])
    }

    static func fetchCurrency(_ db: Database, _ id: CurrencyID, in realmID: RealmID) throws -> Currency? {
        let statement = try db.cachedStatement(
            sql: "SELECT \(StoredSchema.currencyColumns) FROM currencies WHERE realm_id = ? AND id = ?")
        return try Row.fetchOne(statement, arguments: [realmID.rawValue, id.rawValue]).map(currency(from:))
    }

    public func currency(_ id: CurrencyID, in realmID: RealmID) async throws -> Currency {
        try await read("currency") { db in
            guard let found = try Self.fetchCurrency(db, id, in: realmID) else {
                try Self.requireRealm(db, realmID)
                throw TallyError.notFound(id, in: realmID)
            }
            return found
        }
    }

    public func currencies(in realmID: RealmID) async throws -> [Currency] {
        try await read("currencies") { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT \(StoredSchema.currencyColumns) FROM currencies WHERE realm_id = ? ORDER BY created_at, id",
                arguments: [realmID.rawValue]
            ).map(Self.currency(from:))
        }
    }

    public func listCurrencies(in realmID: RealmID, query: CurrencyQuery) async throws -> Page<Currency> {
        try await read("listCurrencies") { db in
            try Self.requireRealm(db, realmID)
            var conditions = ["realm_id = ?"]
            var arguments: StatementArguments = [realmID.rawValue]
            if let archived = query.archivedFilter {
                conditions.append(archived ? "archived_at IS NOT NULL" : "archived_at IS NULL")
            }
            if let isDefault = query.isDefault {
                conditions.append("is_default = ?")
                _ = arguments.append(contentsOf: [isDefault])
            }
            if let search = query.search, !search.isEmpty {
                conditions.append("name LIKE ? ESCAPE '\\'")
                _ = arguments.append(contentsOf: [StoredSchema.likeContains(search)])
            }
            let filter = conditions.joined(separator: " AND ")
            let total =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM currencies WHERE \(filter)", arguments: arguments) ?? 0
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(StoredSchema.currencyColumns) FROM currencies WHERE \(filter)
                    ORDER BY \(StoredSchema.order(query, caseless: Self.caseless)) LIMIT ? OFFSET ?
                    """,
                arguments: arguments + [query.page.limit, query.page.offset]
            ).map(Self.currency(from:))
            return Page(items: items, total: total, request: query.page)
        }
    }

    /// Reads the currency, lets `CurrencyEdit` decide, and writes the row it returns.
    static func editCurrency(_ id: CurrencyID, in realmID: RealmID, _ edit: CurrencyEdit, _ db: Database, now: Int64)
        throws -> Currency
    {
        try requireRealm(db, realmID)
        guard let current = try fetchCurrency(db, id, in: realmID) else { throw TallyError.notFound(id, in: realmID) }
        guard let change = try edit.decide(current, now: now) else { return current }
        let currency = change.currency
        if change.checksBalances {
            let outside = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM balances WHERE realm_id = ? AND currency_id = ?
                    AND (balance < ? OR (? IS NOT NULL AND balance > ?))
                    """,
                arguments: [
                    realmID.rawValue, id.rawValue, currency.minimumBalance, currency.maximumBalance,
                    currency.maximumBalance,
                ])
            try change.checkBalancesOutsideLimits(outside ?? 0)
        }
        if change.takesDefault { try clearDefault(db, realmID, now: now) }
        try db.execute(
            sql: """
                UPDATE currencies SET name = ?, emoji = ?, custom_emoji_url = ?, metadata = ?, is_default = ?,
                    archived_at = ?, minimum_balance = ?, maximum_balance = ?, transferable = ?, updated_at = ?
                WHERE realm_id = ? AND id = ?
                """,
            arguments: [
                currency.name, currency.emoji, currency.customEmojiURL, currency.metadata?.text, currency.isDefault,
                currency.archivedAtMilliseconds, currency.minimumBalance, currency.maximumBalance,
                currency.isTransferable, currency.updatedAtMilliseconds, realmID.rawValue, id.rawValue,
            ])
        return currency
    }
}
