import Foundation

/// What a key may do (SPEC section 4). A realm key gets every scope unless told otherwise.
public enum Scope: String, Sendable, CaseIterable, Comparable {
    case realmRead = "realm:read"
    case membersRead = "members:read"
    case membersWrite = "members:write"
    case pointsWrite = "points:write"
    case currenciesRead = "currencies:read"
    case currenciesWrite = "currencies:write"
    /// Reading the realm's feed of events.
    case eventsRead = "events:read"
    /// Creating, reading, changing and deleting the realm's webhook subscriptions.
    case webhooksWrite = "webhooks:write"

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a comma-separated list such as `points:write,members:read`.
    public static func parseList(_ text: String) throws(TallyError) -> Set<Scope> {
        var scopes = Set<Scope>()
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let scope = Scope(rawValue: name) else {
                let known = Scope.allCases.map(\.rawValue).joined(separator: ", ")
                throw .validation("Unknown scope '\(name)'; known scopes: \(known).")
            }
            scopes.insert(scope)
        }
        guard !scopes.isEmpty else { throw .validation("At least one scope is required.") }
        return scopes
    }
}
