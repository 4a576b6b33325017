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

    static func requireCurrency(_ db: Database, _ id: CurrencyID, in realmID: RealmID) throws -> Currency {
        try requireRealm(db, realmID)
        guard let found = try fetchCurrency(db, id, in: realmID) else {
            throw TallyError(.notFound, "Currency \(id) was not found in realm \(realmID).")
        }
        return found
    }

    public func currency(_ id: CurrencyID, in realmID: RealmID) async throws -> Currency {
        try await read("currency") { db in
            guard let found = try Self.fetchCurrency(db, id, in: realmID) else {
                try Self.requireRealm(db, realmID)
                throw TallyError.unknownCurrency(id, in: realmID)
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

    static func updateCurrency(
        _ id: CurrencyID, in realmID: RealmID, patch: CurrencyPatch, _ db: Database, now: Int64
    ) throws -> Currency {
        let current = try requireCurrency(db, id, in: realmID)
        let draft = try patch.applied(to: current, limits: .standard)
        let outside =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM balances WHERE realm_id = ? AND currency_id = ?
                    AND (balance < ? OR (? IS NOT NULL AND balance > ?))
                    """,
                arguments: [
                    realmID.rawValue, id.rawValue, draft.minimumBalance, draft.maximumBalance, draft.maximumBalance,
                ]) ?? 0
        guard outside == 0 else {
            throw TallyError.validation(
                "\(outside) existing balance(s) would fall outside the new minimumBalance/maximumBalance.")
        }
        if draft.isDefault && !current.isDefault { try clearDefault(db, realmID, now: now) }
        try db.execute(
            sql: """
                UPDATE currencies SET name = ?, emoji = ?, custom_emoji_url = ?, metadata = ?, is_default = ?,
                    minimum_balance = ?, maximum_balance = ?, transferable = ?, updated_at = ?
                WHERE realm_id = ? AND id = ?
                """,
            arguments: [
                draft.name, draft.emoji, draft.customEmojiURL, draft.metadata?.text, draft.isDefault,
                draft.minimumBalance, draft.maximumBalance, draft.isTransferable, now, realmID.rawValue,
                id.rawValue,
            ])
        return try requireCurrency(db, id, in: realmID)
    }

    static func setCurrencyArchived(
        _ id: CurrencyID, in realmID: RealmID, archived: Bool, _ db: Database, now: Int64
    ) throws -> Currency {
        let current = try requireCurrency(db, id, in: realmID)
        if archived && !current.isArchived {
            try db.execute(
                sql:
                    "UPDATE currencies SET archived_at = ?, is_default = 0, updated_at = ? WHERE realm_id = ? AND id = ?",
                arguments: [now, now, realmID.rawValue, id.rawValue])
        } else if !archived && current.isArchived {
            try db.execute(
                sql: "UPDATE currencies SET archived_at = NULL, updated_at = ? WHERE realm_id = ? AND id = ?",
                arguments: [now, realmID.rawValue, id.rawValue])
        }
        return try requireCurrency(db, id, in: realmID)
    }
}
