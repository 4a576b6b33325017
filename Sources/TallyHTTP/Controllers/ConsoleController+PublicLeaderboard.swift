import HTTPTypes
import Hummingbird
import TallyConsole
import TallyCore

/// The public leaderboard page, `/leaderboard/{realmId}` (docs/CONSOLE.md): no key, no session,
/// only what a community shows its members (rank, username, balance), and only for a realm whose
/// operator switched it on (`tally realm update --public-leaderboard on`). A realm that has not,
/// and a realm that does not exist, answer the same 404, so the page tells nobody which realms
/// exist.
extension ConsoleController {
    /// How long a browser or a proxy may keep a public page.
    static let publicCacheSeconds = 10

    func publicLeaderboard(_ request: Request, _ context: TallyRequestContext) async throws -> Response {
        guard let text = context.parameters.get("realmId"), let realmID = RealmID(text) else {
            return Self.notPublic()
        }
        let realm: Realm
        do {
            realm = try await store.realm(realmID)
        } catch let error as TallyError where error.code == .notFound {
            return Self.notPublic()
        }
        guard realm.publicLeaderboard else { return Self.notPublic() }
        do {
            let shown = try await leaderboardPage(request, realm: realm.id)
            var response = Self.html(
                ConsolePages.publicLeaderboard(
                    shown.page, realm: realm, currency: shown.currency, currencies: shown.currencies, next: shown.next))
            response.headers[.cacheControl] = "public, max-age=\(Self.publicCacheSeconds)"
            return response
        } catch let error as TallyError where error.code != .unavailable {
            return Self.html(
                ConsolePages.publicProblem(title: "Not shown", error.message), status: error.status)
        }
    }

    static func notPublic() -> Response {
        html(
            ConsolePages.publicProblem(
                title: "No public leaderboard", "This realm does not show its leaderboard publicly."),
            status: .notFound)
    }
}
