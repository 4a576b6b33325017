import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    public func balance(_ key: BalanceKey, in realmID: RealmID) async throws -> Int64 {
        try await transaction("balance", .reading) { connection in
            try await first(
                connection,
                """
                SELECT balance FROM balances WHERE realm_id = \(realmID.rawValue)
                AND currency_id = \(key.currencyID.rawValue) AND member_id = \(key.memberID.rawValue)
                """
            )?["balance"].decode(Int64.self) ?? 0
        }
    }

    /// Loads each member's balances with their currencies, in one query per page.
    func details(_ members: [Member], _ connection: PostgresConnection, realm realmID: RealmID) async throws
        -> [MemberDetails]
    {
        guard !members.isEmpty else { return [] }
        let rows = try await all(
            connection,
            """
            SELECT b.member_id AS balance_member_id, b.balance,
                \(unescaped: StoredSchema.qualified(StoredSchema.currencyColumns, "c"))
            FROM balances b JOIN currencies c ON c.realm_id = b.realm_id AND c.id = b.currency_id
            WHERE b.realm_id = \(realmID.rawValue) AND b.member_id = ANY(\(members.map(\.id.rawValue)))
            ORDER BY c.created_at, c.id
            """)
        return try MemberDetails.joining(
            members,
            balances: rows.map {
                (
                    try $0["balance_member_id"].decode(String.self),
                    HeldBalance(currency: try Self.currency(from: $0), balance: try $0["balance"].decode(Int64.self))
                )
            })
    }
}
