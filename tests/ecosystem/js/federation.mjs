// Compose the hub with a second, tiny subgraph through @apollo/gateway and run
// queries that cross both. Usage: node federation.mjs HUB_GRAPHQL_URL WISH_IDS_JSON
//
// The second subgraph stands for a national registry: it adds a field to the
// hub's Region (joined on its `code` key) and a list of references to the
// hub's wishes (resolved by the hub's `_entities`). Prints one JSON object:
// {"supergraph": SDL, "results": {name: {data, errors}}}.
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const [hubUrl, idsJson] = process.argv.slice(2);
const wishIds = JSON.parse(idsJson || '[]');

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Region @key(fields: "code") {
    code: String!
    "Volunteers in the national registry (a made-up figure for the test)."
    registeredVolunteers: Int!
  }

  type Wish @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type Query {
    "Wishes the national office puts in the spotlight: references into the hub."
    spotlight: [Wish!]!
  }
`);

const resolvers = {
  Region: {
    __resolveReference: (ref) => ({ code: ref.code, registeredVolunteers: Number(ref.code) % 1000 }),
  },
  Query: {
    spotlight: () => wishIds.map((id) => ({ __typename: 'Wish', id })),
  },
};

const national = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers }]) });
const { url: nationalUrl } = await startStandaloneServer(national, {
  listen: { host: '127.0.0.1', port: 0 },
});

let supergraph = '';
const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({
    subgraphs: [
      { name: 'hub', url: hubUrl },
      { name: 'national', url: nationalUrl },
    ],
  }),
});
gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
  supergraph = coreSupergraphSdl;
});
const server = new ApolloServer({ gateway });
await server.start();

const queries = {
  hubThenNational: `{ region(code: "210100") { code name level registeredVolunteers } }`,
  nationalThenHub: `{ spotlight { id title status region { code name } } }`,
  roundTrip: `{ spotlight { title region { name registeredVolunteers } } }`,
};
const results = {};
for (const [name, query] of Object.entries(queries)) {
  const response = await server.executeOperation({ query });
  const single = response.body.singleResult;
  results[name] = { data: single.data ?? null, errors: single.errors ?? null };
}

await server.stop();
await national.stop();
console.log(JSON.stringify({ supergraph, results }));
