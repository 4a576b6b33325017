import TallyCore

/// Parses a `--realm` value.
func parseRealm(_ text: String) throws -> RealmID {
    guard let id = RealmID(text) else {
        throw TallyError.validation("--realm must be 24 hexadecimal digits; got '\(text)'.")
    }
    return id
}
