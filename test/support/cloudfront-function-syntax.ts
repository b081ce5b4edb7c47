/**
 * Static checks of CloudFront Function code: syntax beyond what CloudFront Functions' JavaScript runtime
 * 2.0 documents (ES 5.1 plus const, let, arrow functions, template literals and `**`), and the property
 * names the code uses, parsed with the TypeScript compiler without running anything.
 */
import * as ts from 'typescript';

// Syntax of ES 5.1 plus what runtime 2.0 adds (const, let, arrow functions, template literals, **).
const ALLOWED_NODES = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.SourceFile, ts.SyntaxKind.EndOfFileToken, ts.SyntaxKind.VariableStatement, ts.SyntaxKind.VariableDeclarationList,
  ts.SyntaxKind.VariableDeclaration, ts.SyntaxKind.Identifier, ts.SyntaxKind.StringLiteral, ts.SyntaxKind.NumericLiteral,
  ts.SyntaxKind.RegularExpressionLiteral, ts.SyntaxKind.NoSubstitutionTemplateLiteral, ts.SyntaxKind.TemplateExpression,
  ts.SyntaxKind.TemplateHead, ts.SyntaxKind.TemplateMiddle, ts.SyntaxKind.TemplateTail, ts.SyntaxKind.TemplateSpan,
  ts.SyntaxKind.ExpressionStatement, ts.SyntaxKind.CallExpression, ts.SyntaxKind.NewExpression, ts.SyntaxKind.PropertyAccessExpression,
  ts.SyntaxKind.ElementAccessExpression, ts.SyntaxKind.ParenthesizedExpression, ts.SyntaxKind.ArrowFunction,
  ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.FunctionExpression, ts.SyntaxKind.Parameter, ts.SyntaxKind.Block,
  ts.SyntaxKind.ReturnStatement, ts.SyntaxKind.IfStatement, ts.SyntaxKind.ForStatement, ts.SyntaxKind.ForInStatement,
  ts.SyntaxKind.WhileStatement, ts.SyntaxKind.DoStatement, ts.SyntaxKind.BreakStatement, ts.SyntaxKind.ContinueStatement,
  ts.SyntaxKind.TryStatement, ts.SyntaxKind.CatchClause, ts.SyntaxKind.ThrowStatement, ts.SyntaxKind.SwitchStatement,
  ts.SyntaxKind.CaseBlock, ts.SyntaxKind.CaseClause, ts.SyntaxKind.DefaultClause, ts.SyntaxKind.LabeledStatement,
  ts.SyntaxKind.EmptyStatement, ts.SyntaxKind.BinaryExpression, ts.SyntaxKind.PrefixUnaryExpression,
  ts.SyntaxKind.PostfixUnaryExpression, ts.SyntaxKind.ConditionalExpression, ts.SyntaxKind.TypeOfExpression,
  ts.SyntaxKind.VoidExpression, ts.SyntaxKind.DeleteExpression, ts.SyntaxKind.ObjectLiteralExpression,
  ts.SyntaxKind.PropertyAssignment, ts.SyntaxKind.ArrayLiteralExpression, ts.SyntaxKind.ThisKeyword, ts.SyntaxKind.TrueKeyword,
  ts.SyntaxKind.FalseKeyword, ts.SyntaxKind.NullKeyword, ts.SyntaxKind.EqualsGreaterThanToken,
]);
// Operator tokens of later editions that esbuild could emit.
const REFUSED_TOKENS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.QuestionQuestionEqualsToken, ts.SyntaxKind.BarBarEqualsToken,
  ts.SyntaxKind.AmpersandAmpersandEqualsToken, ts.SyntaxKind.QuestionDotToken, ts.SyntaxKind.DotDotDotToken, ts.SyntaxKind.AsyncKeyword,
]);

/** What static inspection finds in function code. */
export interface FunctionCodeInspection {
  /** Syntax outside what CloudFront's runtime 2.0 documents. */
  readonly problems: string[];
  /** Every `x.name` the code reads or writes. */
  readonly propertyNames: Set<string>;
  /** Every property name the code's own object literals define. */
  readonly definedNames: Set<string>;
}

/** Inspects function code without running it. */
export function inspectFunctionCode(code: string): FunctionCodeInspection {
  const source = ts.createSourceFile('function.js', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const problems: string[] = [];
  const propertyNames = new Set<string>();
  const definedNames = new Set<string>();
  const visit = (node: ts.Node): void => {
    const kind = node.kind;
    const isToken = kind >= ts.SyntaxKind.FirstToken && kind <= ts.SyntaxKind.LastToken;
    if (isToken ? REFUSED_TOKENS.has(kind) : !ALLOWED_NODES.has(kind)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      problems.push(`${ts.SyntaxKind[kind]} at line ${line + 1}: ${node.getText().slice(0, 60)}`);
    }
    if (ts.isRegularExpressionLiteral(node) && !/\/[gim]*$/.test(node.text)) problems.push(`a regular expression flag beyond ES 5.1's: ${node.text}`);
    if (ts.isPropertyAccessExpression(node)) propertyNames.add(node.name.text);
    if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))) definedNames.add(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { problems, propertyNames, definedNames };
}
