/// HTML that is safe to send: text interpolated into it is escaped, and only other `Markup` goes
/// in as it is. Every page is built of it, so a username, a metadata value or a search term from
/// a user can only ever show as text.
public struct Markup: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var html: String

    public init(stringLiteral value: String) { html = value }

    public init(stringInterpolation: Interpolation) { html = stringInterpolation.html }

    /// Markup made by a caller that escaped it itself (the stylesheet, an SVG drawn here).
    public init(trusted html: String) { self.html = html }

    public var description: String { html }

    public struct Interpolation: StringInterpolationProtocol {
        var html = ""

        public init(literalCapacity: Int, interpolationCount: Int) { html.reserveCapacity(literalCapacity * 2) }

        public mutating func appendLiteral(_ literal: String) { html += literal }

        /// Text: escaped.
        public mutating func appendInterpolation(_ text: String) { html += Markup.escape(text) }

        /// A number: as it is.
        public mutating func appendInterpolation<N: BinaryInteger>(_ number: N) { html += String(number) }

        /// Markup: as it is.
        public mutating func appendInterpolation(_ markup: Markup) { html += markup.html }

        /// Several pieces of markup, one after the other.
        public mutating func appendInterpolation(_ pieces: [Markup]) {
            for piece in pieces { html += piece.html }
        }
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` escaped, for element content and quoted attributes.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// `text` percent-encoded for a query parameter's value in a link.
    public static func queryValue(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "%" + String(hexDigits[Int(byte >> 4)]) + String(hexDigits[Int(byte & 0xF)])
            }
        }
        return encoded
    }

    /// RFC 3986's unreserved characters, which a query value keeps as they are.
    private static let unreserved = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
    private static let hexDigits = Array("0123456789ABCDEF")
}
