import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    public func balance(_ key: BalanceKey, in realmID: RealmID) async throws -> Int64 {
        try await transaction("balance", .reading) { connection in
            try await row(connection, Self.statements.balance(key, in: realmID))?.integer("balance") ?? 0
        }
    }

    /// Loads each member's balances with their currencies, in one query per page.
    func details(_ members: [Member], _ connection: PostgresConnection, realm realmID: RealmID) async throws
        -> [MemberDetails]
    {
        guard !members.isEmpty else { return [] }
        return try MemberDetails.joining(
            members, heldBalances: try await rows(connection, Self.statements.heldBalances(of: members, in: realmID)))
    }
}
