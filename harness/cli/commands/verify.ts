// Placeholder until this command lands; replaced by its implementation.
export default async function command(): Promise<number> {
  process.stderr.write('faultline: the "verify" command is not built yet\n');
  return 70;
}
