import GRDB
import TallyCore

extension SQLiteLedgerStore {
    public func balance(_ key: BalanceKey, in realmID: RealmID) async throws -> Int64 {
        try await read("balance") { db in
            try Int64.fetchOne(
                db, sql: "SELECT balance FROM balances WHERE realm_id = ? AND currency_id = ? AND member_id = ?",
                arguments: [realmID.rawValue, key.currencyID.rawValue, key.memberID.rawValue]) ?? 0
        }
    }

    /// Loads each member's balances with their currencies, in one query per page.
    static func details(_ members: [Member], _ db: Database, realm realmID: RealmID) throws -> [MemberDetails] {
        guard !members.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: members.count).joined(separator: ",")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT b.member_id, b.balance, \(StoredSchema.qualified(StoredSchema.currencyColumns, "c"))
                FROM balances b JOIN currencies c ON c.realm_id = b.realm_id AND c.id = b.currency_id
                WHERE b.realm_id = ? AND b.member_id IN (\(placeholders))
                ORDER BY c.created_at, c.id
                """,
            arguments: [realmID.rawValue] + StatementArguments(members.map(\.id.rawValue)))
        return MemberDetails.joining(
            members,
            balances: rows.map { ($0["member_id"], HeldBalance(currency: currency(from: $0), balance: $0["balance"])) })
    }
}
