using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SecureDevice.NanoBuild;

/// <summary>
/// Builds a reference-only assembly for a nanoFramework package that does not restore here, from its API listing: every
/// listed type and member exists in it, and nothing else does, so code compiled against it can use only what the device
/// has. A doc-ID does not say whether a member is static, what it returns, or what its parameters are called; by default a
/// member is an instance member returning void (a property: object), and a type is a class. Where the code here needs
/// more, a shape file (Shapes/&lt;Assembly&gt;.cs) declares the member as the nanoFramework sources do (C# declarations
/// without bodies); a shape may only declare listed members, which the builder checks. So a member that the code uses in
/// a way its default cannot serve fails to compile until its real shape is written down: the check fails closed.
/// </summary>
public static class ListingReferenceBuilder
{
    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    /// <summary>Builds the reference assembly for <paramref name="listing"/> against <paramref name="references"/> (mscorlib and the assemblies it builds on).</summary>
    /// <param name="listing">The listing.</param>
    /// <param name="shapeSource">The shape file's text, or null when there is none.</param>
    /// <param name="references">mscorlib and earlier-built reference assemblies.</param>
    /// <exception cref="InvalidDataException">The shape or the listing cannot be made into a compiling assembly, or a shape declares an unlisted member.</exception>
    public static MetadataReference Build(ListingFile listing, string? shapeSource, IReadOnlyList<MetadataReference> references)
    {
        var types = new HashSet<string>(listing.Ids.Where(i => i.StartsWith("T:", StringComparison.Ordinal)).Select(i => i.Substring(2)).Where(t => !t.Contains('`')), StringComparer.Ordinal);
        SyntaxTree shape = CSharpSyntaxTree.ParseText(Rewrite(shapeSource ?? string.Empty, listing, types), Parse, path: "Shapes/" + listing.Assembly + ".cs");
        var shapedTypes = ShapedTypes(shape);

        // A listed type with fields and nothing else is an enum (nanoFramework's API has no field-only classes).
        foreach (string type in types.Where(t => !shapedTypes.ContainsKey(t)))
        {
            var own = listing.Ids.Where(i => i.Length > 2 && i.Substring(2).StartsWith(type + ".", StringComparison.Ordinal) && !i.Substring(2 + type.Length + 1).Contains('.') && !i.Substring(2 + type.Length + 1).Contains('(')).ToList();
            bool hasMethods = listing.Ids.Any(i => i.StartsWith("M:" + type + ".", StringComparison.Ordinal) && !i.Substring(2 + type.Length + 1).Split('(')[0].Contains('.'));
            if (own.Count > 0 && own.All(i => i[0] == 'F') && !hasMethods)
            {
                shapedTypes[type] = new ShapedType("default-enum", false);
            }
        }

        // Pass 1: the shapes plus every other listed type, empty, to learn which members the shapes declare.
        SyntaxTree defaults = CSharpSyntaxTree.ParseText(DefaultSource(types, shapedTypes, new Dictionary<string, List<string>>()), Parse, path: "defaults.cs");
        CSharpCompilation first = Compilation(listing, new[] { shape, defaults }, references);
        var shaped = new HashSet<string>(StringComparer.Ordinal);
        SemanticModel model = first.GetSemanticModel(shape);
        foreach (SyntaxNode node in shape.GetRoot().DescendantNodes())
        {
            if (node is MemberDeclarationSyntax or VariableDeclaratorSyntax or EnumMemberDeclarationSyntax)
            {
                ISymbol? symbol = node is FieldDeclarationSyntax or EventFieldDeclarationSyntax ? null : model.GetDeclaredSymbol(node);
                string? id = symbol?.GetDocumentationCommentId();
                if (id != null)
                {
                    shaped.Add(id);
                }
            }
        }

        // Pass 2: add every listed member the shapes do not declare, in its default form.
        var members = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string id in listing.Ids)
        {
            if (id.StartsWith("T:", StringComparison.Ordinal) || shaped.Contains(id))
            {
                continue;
            }

            string? declaration = DefaultMember(id, types, shapedTypes, out string owner);
            if (declaration != null)
            {
                if (!members.TryGetValue(owner, out List<string>? list))
                {
                    members[owner] = list = new List<string>();
                }

                list.Add(declaration);
            }
        }

        defaults = CSharpSyntaxTree.ParseText(DefaultSource(types, shapedTypes, members), Parse, path: "defaults.cs");
        CSharpCompilation compilation = Compilation(listing, new[] { shape, defaults }, references);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidDataException("the reference assembly for " + listing.Assembly + " does not compile:\n" + string.Join("\n", errors.Take(20)));
        }

        var listed = new HashSet<string>(listing.Ids, StringComparer.Ordinal);
        var extra = Declared(compilation.Assembly.GlobalNamespace).Where(id => !listed.Contains(id)).OrderBy(i => i, StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
        {
            throw new InvalidDataException("Shapes/" + listing.Assembly + ".cs declares members that " + Path.GetFileName(listing.Path) + " does not list:\n" + string.Join("\n", extra));
        }

        using var image = new MemoryStream();
        var emitted = compilation.Emit(image, options: new Microsoft.CodeAnalysis.Emit.EmitOptions(metadataOnly: true));
        if (!emitted.Success)
        {
            throw new InvalidDataException("the reference assembly for " + listing.Assembly + " does not emit:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return MetadataReference.CreateFromImage(image.ToArray(), filePath: listing.Assembly + ".dll");
    }

    private static CSharpCompilation Compilation(ListingFile listing, IEnumerable<SyntaxTree> trees, IReadOnlyList<MetadataReference> references)
    {
        var identity = new AssemblyIdentity(listing.Assembly, listing.AssemblyVersion);
        return CSharpCompilation.Create(
            listing.Assembly,
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable, allowUnsafe: true)
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
                {
                    ["CS0626"] = ReportDiagnostic.Suppress, // extern member without DllImport: a reference assembly has no bodies
                    ["CS0824"] = ReportDiagnostic.Suppress,
                    ["CS0108"] = ReportDiagnostic.Suppress, // a default member hiding an inherited one
                    ["CS0114"] = ReportDiagnostic.Suppress,
                }))
            .WithAssemblyName(identity.Name);
    }

    // Every public or protected type and member the assembly declares, as doc-IDs.
    private static IEnumerable<string> Declared(INamespaceSymbol ns)
    {
        foreach (INamespaceOrTypeSymbol member in ns.GetMembers())
        {
            if (member is INamespaceSymbol child)
            {
                foreach (string id in Declared(child))
                {
                    yield return id;
                }
            }
            else if (member is INamedTypeSymbol type)
            {
                foreach (string id in Declared(type))
                {
                    yield return id;
                }
            }
        }
    }

    private static IEnumerable<string> Declared(INamedTypeSymbol type)
    {
        if (!Visible(type))
        {
            yield break;
        }

        yield return type.GetDocumentationCommentId()!;
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is INamedTypeSymbol nested)
            {
                foreach (string nestedId in Declared(nested))
                {
                    yield return nestedId;
                }

                continue;
            }

            // Accessors are not listed, nor are a delegate's or an enum's compiler-provided members, nor implicit constructors.
            if (!Visible(member) || member.IsImplicitlyDeclared || member is IMethodSymbol { AssociatedSymbol: not null }
                || (type.TypeKind == TypeKind.Enum && member.Name == "value__"))
            {
                continue;
            }

            string? memberId = member.GetDocumentationCommentId();
            if (memberId != null)
            {
                yield return memberId;
            }
        }
    }

    private static bool Visible(ISymbol symbol) =>
        symbol.DeclaredAccessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal;

    // Makes the shapes compile as declarations: types partial (so default members can join them), bodiless methods and
    // constructors extern, and every listed enum member present.
    private static string Rewrite(string source, ListingFile listing, HashSet<string> types)
    {
        SyntaxNode root = CSharpSyntaxTree.ParseText(source, Parse).GetRoot();
        var rewriter = new ShapeRewriter(listing);
        return rewriter.Visit(root).ToFullString();
    }

    private sealed class ShapeRewriter : CSharpSyntaxRewriter
    {
        private readonly ListingFile _listing;
        private readonly Stack<string> _scope = new();

        public ShapeRewriter(ListingFile listing) => _listing = listing;

        public override SyntaxNode? VisitNamespaceDeclaration(NamespaceDeclarationSyntax node)
        {
            _scope.Push(node.Name.ToString());
            SyntaxNode? result = base.VisitNamespaceDeclaration(node);
            _scope.Pop();
            return result;
        }

        public override SyntaxNode? VisitClassDeclaration(ClassDeclarationSyntax node) => Type(node, n => base.VisitClassDeclaration((ClassDeclarationSyntax)n));

        public override SyntaxNode? VisitStructDeclaration(StructDeclarationSyntax node) => Type(node, n => base.VisitStructDeclaration((StructDeclarationSyntax)n));

        public override SyntaxNode? VisitInterfaceDeclaration(InterfaceDeclarationSyntax node) => Type(node, n => base.VisitInterfaceDeclaration((InterfaceDeclarationSyntax)n));

        public override SyntaxNode? VisitEnumDeclaration(EnumDeclarationSyntax node)
        {
            string full = Qualify(node.Identifier.Text);
            var present = new HashSet<string>(node.Members.Select(m => m.Identifier.Text), StringComparer.Ordinal);
            string prefix = "F:" + full + ".";
            var missing = _listing.Ids.Where(i => i.StartsWith(prefix, StringComparison.Ordinal) && !i.Substring(prefix.Length).Contains('.'))
                .Select(i => i.Substring(prefix.Length)).Where(n => !present.Contains(n)).ToList();
            return node.AddMembers(missing.Select(n => SyntaxFactory.EnumMemberDeclaration(n)).ToArray());
        }

        public override SyntaxNode? VisitMethodDeclaration(MethodDeclarationSyntax node) =>
            Extern(node, node.Body == null && node.ExpressionBody == null && !InInterface(node) && !node.Modifiers.Any(SyntaxKind.AbstractKeyword));

        public override SyntaxNode? VisitConstructorDeclaration(ConstructorDeclarationSyntax node) =>
            Extern(node, node.Body == null && node.ExpressionBody == null);

        // A finalizer (listed as Finalize) is declared as the sources declare it: `~Type();`.
        public override SyntaxNode? VisitDestructorDeclaration(DestructorDeclarationSyntax node) =>
            Extern(node, node.Body == null && node.ExpressionBody == null);

        public override SyntaxNode? VisitOperatorDeclaration(OperatorDeclarationSyntax node) =>
            Extern(node, node.Body == null && node.ExpressionBody == null);

        public override SyntaxNode? VisitConversionOperatorDeclaration(ConversionOperatorDeclarationSyntax node) =>
            Extern(node, node.Body == null && node.ExpressionBody == null);

        public override SyntaxNode? VisitPropertyDeclaration(PropertyDeclarationSyntax node) =>
            Extern(node, Bodiless(node.AccessorList) && !InInterface(node) && !node.Modifiers.Any(SyntaxKind.AbstractKeyword));

        public override SyntaxNode? VisitIndexerDeclaration(IndexerDeclarationSyntax node) =>
            Extern(node, Bodiless(node.AccessorList) && !InInterface(node) && !node.Modifiers.Any(SyntaxKind.AbstractKeyword));

        // A bodiless declaration becomes extern, so that it compiles without a body (a reference assembly has none).
        private static MemberDeclarationSyntax Extern(MemberDeclarationSyntax node, bool bodiless) =>
            bodiless && !node.Modifiers.Any(SyntaxKind.ExternKeyword)
                ? node.AddModifiers(SyntaxFactory.Token(SyntaxKind.ExternKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                : node;

        private static bool Bodiless(AccessorListSyntax? accessors) =>
            accessors != null && accessors.Accessors.All(a => a.Body == null && a.ExpressionBody == null);

        private static bool InInterface(SyntaxNode node) => node.Parent is InterfaceDeclarationSyntax;

        private SyntaxNode? Type(TypeDeclarationSyntax node, Func<SyntaxNode, SyntaxNode?> visitChildren)
        {
            _scope.Push(node.Identifier.Text);
            var visited = (TypeDeclarationSyntax)visitChildren(node)!;
            _scope.Pop();
            return visited.Modifiers.Any(SyntaxKind.PartialKeyword)
                ? visited
                : visited.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        }

        private string Qualify(string name) => string.Join(".", _scope.Reverse().Append(name));
    }

    private sealed record ShapedType(string Kind, bool IsStatic);

    // Full names (dotted, nesting included) of the types the shape declares, with their kind.
    private static Dictionary<string, ShapedType> ShapedTypes(SyntaxTree shape)
    {
        var found = new Dictionary<string, ShapedType>(StringComparer.Ordinal);
        foreach (BaseTypeDeclarationSyntax type in shape.GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>())
        {
            var names = new List<string> { type.Identifier.Text };
            for (SyntaxNode? parent = type.Parent; parent != null; parent = parent.Parent)
            {
                switch (parent)
                {
                    case BaseTypeDeclarationSyntax outer:
                        names.Insert(0, outer.Identifier.Text);
                        break;
                    case BaseNamespaceDeclarationSyntax ns:
                        names.Insert(0, ns.Name.ToString());
                        break;
                }
            }

            string kind = type switch
            {
                ClassDeclarationSyntax => "class",
                StructDeclarationSyntax => "struct",
                InterfaceDeclarationSyntax => "interface",
                EnumDeclarationSyntax => "enum",
                _ => "other",
            };
            found[string.Join(".", names)] = new ShapedType(kind, type.Modifiers.Any(SyntaxKind.StaticKeyword));
        }

        foreach (DelegateDeclarationSyntax type in shape.GetRoot().DescendantNodes().OfType<DelegateDeclarationSyntax>())
        {
            var names = new List<string> { type.Identifier.Text };
            for (SyntaxNode? parent = type.Parent; parent != null; parent = parent.Parent)
            {
                if (parent is BaseTypeDeclarationSyntax outer)
                {
                    names.Insert(0, outer.Identifier.Text);
                }
                else if (parent is BaseNamespaceDeclarationSyntax ns)
                {
                    names.Insert(0, ns.Name.ToString());
                }
            }

            found[string.Join(".", names)] = new ShapedType("delegate", false);
        }

        return found;
    }

    // The source of every listed type not in the shapes (an empty public class), and partial parts carrying default
    // members, nested as the listing nests them.
    private static string DefaultSource(HashSet<string> types, Dictionary<string, ShapedType> shaped, Dictionary<string, List<string>> members)
    {
        var text = new StringBuilder();
        var roots = types.Where(t => Container(t, types) == null).OrderBy(t => t, StringComparer.Ordinal);
        foreach (string type in roots)
        {
            int dot = type.LastIndexOf('.');
            string ns = dot < 0 ? string.Empty : type.Substring(0, dot);
            if (ns.Length > 0)
            {
                text.Append("namespace ").Append(ns).Append(" {\n");
            }

            AppendType(text, type, types, shaped, members);
            if (ns.Length > 0)
            {
                text.Append("}\n");
            }
        }

        return text.ToString();
    }

    private static void AppendType(StringBuilder text, string type, HashSet<string> types, Dictionary<string, ShapedType> shaped, Dictionary<string, List<string>> members)
    {
        string name = type.Substring(type.LastIndexOf('.') + 1);
        if (shaped.TryGetValue(type, out ShapedType? shape))
        {
            if (shape.Kind is "enum" or "delegate" or "other")
            {
                return;
            }

            if (shape.Kind == "default-enum")
            {
                text.Append("public enum ").Append(name).Append(" {\n");
                if (members.TryGetValue(type, out List<string>? values))
                {
                    text.Append(string.Join(",\n", values.Select(v => v.Substring("public object ".Length).TrimEnd(';')))).Append('\n');
                }

                text.Append("}\n");
                return;
            }

            text.Append("public ").Append(shape.IsStatic ? "static " : string.Empty).Append("partial ").Append(shape.Kind).Append(' ').Append(name).Append(" {\n");
        }
        else
        {
            text.Append("public partial class ").Append(name).Append(" {\n");
        }

        if (members.TryGetValue(type, out List<string>? list))
        {
            bool isInterface = shape?.Kind == "interface";
            bool isStatic = shape?.IsStatic == true;
            foreach (string member in list)
            {
                text.Append(isInterface ? member.Replace("public extern ", string.Empty, StringComparison.Ordinal).Replace("public object", "object", StringComparison.Ordinal)
                    : isStatic ? member.Replace("public extern ", "public static extern ", StringComparison.Ordinal).Replace("public object ", "public static object ", StringComparison.Ordinal)
                    : member).Append('\n');
            }
        }

        foreach (string nested in types.Where(t => Container(t, types) == type).OrderBy(t => t, StringComparer.Ordinal))
        {
            AppendType(text, nested, types, shaped, members);
        }

        text.Append("}\n");
    }

    // The listed type that encloses `type` (the longest listed dotted prefix), or null at namespace level.
    private static string? Container(string type, HashSet<string> types)
    {
        for (int dot = type.LastIndexOf('.'); dot > 0; dot = type.LastIndexOf('.', dot - 1))
        {
            string prefix = type.Substring(0, dot);
            if (types.Contains(prefix))
            {
                return prefix;
            }
        }

        return null;
    }

    // The default declaration of a listed member, or null when it has none (operators, events, generic members and
    // members of types the builder does not declare: those must be shaped to exist).
    private static string? DefaultMember(string id, HashSet<string> types, Dictionary<string, ShapedType> shaped, out string owner)
    {
        owner = string.Empty;
        char kind = id[0];
        string body = id.Substring(2);
        int paren = body.IndexOf('(');
        string path = paren < 0 ? body : body.Substring(0, paren);
        int dot = path.LastIndexOf('.');
        if (dot < 0 || path.Contains('`') || body.Contains('~'))
        {
            return null;
        }

        owner = path.Substring(0, dot);
        string name = path.Substring(dot + 1);
        if (!types.Contains(owner) || (shaped.TryGetValue(owner, out ShapedType? shape) && shape.Kind is "enum" or "delegate" or "other")
            || (kind != 'F' && shaped.TryGetValue(owner, out shape) && shape.Kind == "default-enum"))
        {
            return null;
        }

        string? parameters = paren < 0 ? string.Empty : Parameters(body.Substring(paren + 1, body.Length - paren - 2));
        if (parameters == null)
        {
            return null;
        }

        string typeName = owner.Substring(owner.LastIndexOf('.') + 1);
        switch (kind)
        {
            case 'M' when name == "#ctor":
                return "public extern " + typeName + "(" + parameters + ");";
            case 'M' when name.StartsWith("op_", StringComparison.Ordinal) || name.StartsWith('#'):
                return null;
            case 'M':
                return "public extern void " + name + "(" + parameters + ");";
            case 'P' when name == "Item" && paren >= 0:
                return "public extern object this[" + parameters + "] { get; set; }";
            case 'P':
                return paren >= 0 ? null : "public extern object " + name + " { get; set; }";
            case 'F':
                return "public object " + name + ";";
            default:
                return null;
        }
    }

    // "System.Int32,System.Byte[]@" -> "global::System.Int32 a0, ref global::System.Byte[] a1"; null for what C# cannot say here.
    private static string? Parameters(string list)
    {
        if (list.Length == 0)
        {
            return string.Empty;
        }

        var parts = new List<string>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= list.Length; i++)
        {
            if (i == list.Length || (list[i] == ',' && depth == 0))
            {
                parts.Add(list.Substring(start, i - start));
                start = i + 1;
            }
            else if (list[i] == '{')
            {
                depth++;
            }
            else if (list[i] == '}')
            {
                depth--;
            }
        }

        var rendered = new List<string>();
        for (int i = 0; i < parts.Count; i++)
        {
            string part = parts[i];
            if (part.Contains('{') || part.Contains('`') || part.Contains('*'))
            {
                return null;
            }

            bool byRef = part.EndsWith('@');
            rendered.Add((byRef ? "ref " : string.Empty) + "global::" + part.TrimEnd('@') + " a" + i);
        }

        return string.Join(", ", rendered);
    }
}
