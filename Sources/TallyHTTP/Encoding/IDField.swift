import TallyCore

/// Ids from request text, with errors that name the field.
enum IDField {
    static func member(_ text: String, field: String) throws(TallyError) -> MemberID {
        guard let id = MemberID(text) else { throw .validation("\(field) must be 24 hexadecimal digits.") }
        return id
    }

    static func currency(_ text: String?, field: String) throws(TallyError) -> CurrencyID? {
        guard let text else { return nil }
        guard let id = CurrencyID(text) else { throw .validation("\(field) must be 24 hexadecimal digits.") }
        return id
    }
}
