import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    /// The member count and the activity, both kept by triggers as writes commit (migration
    /// `0009-overview`): sums over a few rows per realm, or per realm, hour and currency.
    public func overview(of realmID: RealmID, since: Int64) async throws -> RealmOverview {
        try await transaction("overview", .reading) { connection in
            try await requireRealm(connection, realmID)
            let members = try await row(connection, Self.statements.memberCount(in: realmID))?.integer("members") ?? 0
            let activity = try await rows(connection, Self.statements.activity(in: realmID, since: since)).map(
                ActivityHour.init(stored:))
            return RealmOverview(members: members, activity: activity)
        }
    }
}
